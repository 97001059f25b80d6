"""The command line starts at once (issue 30): ``--help`` and argument errors import no command
module, no Qt, no SQLAlchemy, no reportlab; only the chosen command's module is imported; every
command's own ``--help`` is still its full help; errors stay Chinese with exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("PySide6", "shiboken6", "sqlalchemy", "reportlab", "ortools", "pandas", "docx")

# Run main(argv) in a fresh interpreter and report its exit code and the modules it loaded.
PROBE = """
import json, sys
from app.__main__ import main
try:
    code = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def probe(argv: list[str]) -> tuple[int, list[str], str, str]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    out, _sep, tail = proc.stdout.rpartition("\n@@")
    report = json.loads(tail)
    return report["code"], report["modules"], out, proc.stderr


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_top_level_help_imports_no_command_module_nor_qt_sqlalchemy_reportlab():
    code, modules, out, err = probe(["--help"])
    assert code == 0, err
    assert {m for m in modules if m.startswith("app")} == {"app", "app.__main__", "app.cli",
                                                          "app.errors"}
    assert _heavy(modules) == []
    # every command is listed with its help
    for name, helptext, _module in cli.COMMANDS:
        assert name in out and helptext in out


def test_argument_errors_load_only_the_chosen_module_and_stay_chinese_exit_2():
    code, modules, _out, err = probe(["render"])
    assert code == 2
    assert "错误：命令参数有误" in err and "Traceback" not in err
    assert [m for m in modules if m.startswith("app.commands.")] == ["app.commands.render"]
    assert _heavy(modules) == []
    code, modules, _out, err = probe(["no-such-command"])
    assert code == 2 and "错误：命令参数有误" in err and "Traceback" not in err
    assert [m for m in modules if m.startswith("app.commands")] == []
    assert all(name in err for name, _h, _m in cli.COMMANDS)  # the choices are named


def test_real_process_exit_codes():
    for argv, code in ((["--help"], 0), (["render"], 2), (["calendar", "--bogus"], 2)):
        proc = subprocess.run([sys.executable, "-m", "app", *argv], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stderr
        if code == 2:
            assert "错误：命令参数有误" in proc.stderr


def _full_subparsers() -> argparse._SubParsersAction:
    parser = cli.build_parser(None)  # every module imported: what the parser used to be
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action


def test_the_table_matches_what_the_modules_register():
    action = _full_subparsers()
    registered = [(ch.dest, ch.help) for ch in action._choices_actions]
    assert registered == [(name, helptext) for name, helptext, _m in cli.COMMANDS]
    # each command is registered by the module the table names
    for name, _helptext, module in cli.COMMANDS:
        sub = argparse.ArgumentParser().add_subparsers()
        __import__(module, fromlist=["register"]).register(sub)
        assert name in sub.choices, (name, module)


@pytest.mark.parametrize("name", [n for n, _h, _m in cli.COMMANDS])
def test_every_command_help_is_its_full_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out == _full_subparsers().choices[name].format_help()
    assert f"python -m app {name}" in out


def test_chosen_command_is_the_first_word_that_is_not_an_option():
    assert cli.chosen_command(["render", "x.json", "-o", "y.pdf"]) == "render"
    assert cli.chosen_command(["--version"]) is None
    assert cli.chosen_command(["-h", "user"]) == "user"
    assert cli.chosen_command(["nosuch", "render"]) is None
    assert cli.chosen_command([]) is None
