"""三员分立 through the CLI (issue 31): the first-run setup of a 涉密 office, each administrator
refused what is not theirs with exit code 2 and a Chinese message naming the rule, the
reviewer's tools, the password policy, and the switch of a 普通 office refused while an account
breaks the rules."""

from __future__ import annotations

from tests.test_cli_admin import _rows, run

INITIAL = {"xitong": "Sys-initial-1", "baomi": "Sec-initial-1", "shenji": "Aud-initial-1"}
FINAL = {"xitong": "Sys-changed-2", "baomi": "Sec-changed-2", "shenji": "Aud-changed-2"}


def _setup(monkeypatch, capsys) -> None:
    stdin = "".join(INITIAL[n] + "\n" for n in ("xitong", "baomi", "shenji"))
    code, out, err = run(monkeypatch, capsys, ["office", "setup-classified", "--sysadmin",
                                               "xitong", "--secadmin", "baomi", "--auditor",
                                               "shenji"], stdin, None)
    assert code == 0, err
    assert "涉密单位" in out and "首次登录须修改密码" in out
    for name in INITIAL:
        code, _, err = run(monkeypatch, capsys, ["user", "passwd", name],
                           f"{INITIAL[name]}\n{FINAL[name]}\n")
        assert code == 0, err


def _as(monkeypatch, capsys, name: str, argv: list[str], stdin: str = ""):
    return run(monkeypatch, capsys, [*argv, "--admin", name], stdin, FINAL[name])


def test_the_classified_first_run_and_each_administrators_refusals(monkeypatch, capsys, tmp_path):
    _setup(monkeypatch, capsys)
    code, out, _ = run(monkeypatch, capsys, ["office", "show"])
    assert code == 0 and "涉密单位" in out
    assert _rows("SELECT username, must_change_password FROM users ORDER BY id") == [
        ("xitong", 0), ("baomi", 0), ("shenji", 0)]

    # 系统管理员: no grants, no audit log
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "roles", "shenji", "--role",
                                                       "系统管理员"])
    assert code == 2 and "三员分立" in err and "授予角色和密级" in err
    code, _, err = _as(monkeypatch, capsys, "xitong", ["audit", "list"])
    assert code == 2 and "三员分立" in err and "查看审计日志" in err
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "policy", "set",
                                                       "--min-length", "12"])
    assert code == 2 and "设置密码与锁定策略" in err
    # 安全保密管理员: no accounts, and no pair of the three on one account
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "add", "wang"], "Wang-pass-11\n")
    assert code == 2 and "三员分立" in err and "管理用户" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--roles",
                                                      "安全审计员,系统管理员"])
    assert code == 2 and "一个账户不能同时担任" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--roles",
                                                      "安全审计员,文书"])
    assert code == 2 and "不能兼任业务角色" in err
    code, out, err = _as(monkeypatch, capsys, "baomi", ["user", "policy", "set",
                                                        "--min-length", "12"])
    assert code == 0 and "密码最小长度：12" in out, err
    # 安全审计员: reads only
    code, _, err = _as(monkeypatch, capsys, "shenji", ["user", "list"])
    assert code == 2 and "三员分立" in err
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "list", "--outcome", "refused"])
    assert code == 0
    lines = out.splitlines()[1:]
    assert lines and all("\t拒绝\t" in line for line in lines)
    assert any("xitong" in line for line in lines)  # the 系统管理员's refusals are the auditor's
    # the 安全保密管理员's refusals are reviewed by the auditor too (they are an administrator's)
    assert any("baomi" in line.split("\t")[2] for line in lines)
    seq = lines[0].split("\t")[0]
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "review", seq, "--note", "已核"])
    assert code == 0 and "已标记 1 条" in out
    report = tmp_path / "审阅报告.pdf"
    code, out, err = _as(monkeypatch, capsys, "shenji", ["audit", "report", str(report)])
    assert code == 0 and report.read_bytes().startswith(b"%PDF"), err
    code, _, err = _as(monkeypatch, capsys, "shenji", ["audit", "purge", "--before",
                                                       "2026-01-01"])
    assert code == 4 and "审计记录" in err
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "status"])
    assert code == 0 and "告警阈值" in out
    # the refused attempts are all in the log, as refused, with the desk
    refused = _rows("SELECT actor, outcome, desk FROM audit_events WHERE outcome = 'refused'")
    assert {r[0] for r in refused} >= {"xitong", "baomi", "shenji"}
    assert all(r[2] for r in refused)


def test_a_normal_office_switch_is_refused_naming_the_accounts(monkeypatch, capsys):
    code, _, _ = run(monkeypatch, capsys, ["user", "add", "admin"], "Admin-pass-1\n", None)
    assert code == 0
    code, _, err = run(monkeypatch, capsys, ["office", "classify", "--admin", "admin"])
    assert code == 2 and "明确同意" in err
    code, _, err = run(monkeypatch, capsys, ["office", "classify", "--yes", "--admin", "admin"])
    assert code == 2 and "用户“admin”" in err and "没有启用的“系统管理员”账户" in err
    code, out, _ = run(monkeypatch, capsys, ["office", "show"])
    assert "普通单位" in out


def test_the_system_administrator_cannot_disable_the_auditor(monkeypatch, capsys):
    """三员 accounts are disabled by two people: refused through the CLI with exit code 2 and
    the rule, audited; the two-person way works."""
    _setup(monkeypatch, capsys)
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "disable", "shenji"])
    assert code == 2 and "三员分立" in err and "不能由一人直接停用" in err
    assert _rows("SELECT active FROM users WHERE username = 'shenji'") == [(1,)]
    assert _rows("SELECT actor, action FROM audit_events WHERE outcome = 'refused'") == [
        ("xitong", "user.disable")]
    code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", "shenji", "--role",
                                                      "只读"])
    assert code == 2 and "没有启用的“安全审计员”账户" in err
    # the two-person way: a successor first, then the role goes, then the account
    code, _, err = _as(monkeypatch, capsys, "xitong", ["user", "add", "shenji2"],
                       "Aud-next-11\n")
    assert code == 0, err
    for args in (["shenji2", "--role", "安全审计员"], ["shenji", "--role", "只读"]):
        code, _, err = _as(monkeypatch, capsys, "baomi", ["user", "roles", *args])
        assert code == 0, err
    code, out, err = _as(monkeypatch, capsys, "xitong", ["user", "disable", "shenji"])
    assert code == 0 and "已停用用户 shenji" in out, err


def test_the_audit_store_threshold_is_the_security_administrators(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    argv = ["user", "policy", "set", "--audit-warn-rows", "20000"]
    code, _, err = _as(monkeypatch, capsys, "xitong", argv)
    assert code == 2 and "三员分立" in err
    code, _, err = _as(monkeypatch, capsys, "baomi", [*argv[:-1], "500"])
    assert code == 2 and "审计记录告警阈值（条）须在 10000 至 20000000 之间" in err
    code, out, err = _as(monkeypatch, capsys, "baomi", argv)
    assert code == 0 and "审计记录告警阈值（条；超过时提醒安全审计员）：20000" in out, err
    assert _rows("SELECT audit_warn_rows FROM security_settings") == [(20000,)]
    code, out, _ = _as(monkeypatch, capsys, "shenji", ["audit", "status"])
    assert code == 0 and "告警阈值 20000 条" in out


def test_no_administrator_does_business_work_through_the_cli(monkeypatch, capsys):
    _setup(monkeypatch, capsys)
    for name in INITIAL:
        code, _, err = run(monkeypatch, capsys, ["docno", "reserve", "临政发", "2026",
                                                 "--reason", "预留", "--user", name],
                           FINAL[name] + "\n")
        assert code == 2 and "三员分立" in err and "印发" in err, (name, err)
    assert _rows("SELECT COUNT(*) FROM docno_entries") == [(0,)]
    assert {r[0] for r in _rows("SELECT actor FROM audit_events WHERE outcome = 'refused'")} \
        == set(INITIAL)
