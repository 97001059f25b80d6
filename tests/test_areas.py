"""Services as area packages (issue 19): each area of ``app/services`` is a package whose
``__init__`` is its public face.

* Code outside an area — another area, the shared kernel modules (``context``, ``paging``,
  ``people``, ``placeholders``, ``need_to_know``), the UI, the command line, the bootstrap —
  imports the package (``from app.services import documents``) and never a module inside it
  (``app.services.documents.numbers``).
* An area's ``__init__`` imports only its own modules: no re-export of another area, so no
  re-export loops.

Tests and benchmarks may reach inside an area (to patch or measure one module); the rule is for
the program. The layer rules themselves (ui → services → domain/storage/typeset) are
import-linter contracts in pyproject.toml, checked by tests/test_layering.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every absolute import in ``path``, function-local ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, []) for a in node.names)
    return found


def area_violations(app: Path) -> list[str]:
    services = app / "services"
    areas = {p.name for p in services.iterdir() if (p / "__init__.py").is_file()}
    problems = []
    for path in sorted(app.rglob("*.py")):
        rel = path.relative_to(app.parent).as_posix()
        parts = path.relative_to(app).parts
        own = parts[1] if len(parts) > 2 and parts[0] == "services" else None
        for line, module, names in _imports(path):
            reached = set()
            for target in [module] + [f"{module}.{n}" for n in names]:
                bits = target.split(".")
                if len(bits) < 4 or bits[:2] != [app.name, "services"] or bits[2] not in areas:
                    continue
                inner = services / bits[2] / bits[3]
                if inner.with_suffix(".py").is_file() or (inner / "__init__.py").is_file():
                    reached.add((bits[2], bits[3]))  # else a name the package exports
            for area, inner_name in sorted(reached):
                if own != area:
                    problems.append(f"{rel}:{line}: imports app.services.{area}.{inner_name}, "
                                    f"inside the {area} area; import app.services.{area} instead")
    for area in sorted(areas):
        init = services / area / "__init__.py"
        for line, module, _names in _imports(init):
            if module.startswith(f"{app.name}.") and module != f"{app.name}.lazy" and not (
                    module.startswith(f"{app.name}.services.{area}.")):
                problems.append(f"{init.relative_to(app.parent).as_posix()}:{line}: the public "
                                f"face of {area} re-exports {module}")
    return problems


def test_every_area_is_used_through_its_package():
    assert area_violations(ROOT / "app") == []


def test_services_are_area_packages():
    """No flat service modules beyond the shared kernel: every use case lives in an area."""
    flat = sorted(p.stem for p in (ROOT / "app" / "services").glob("*.py"))
    assert flat == ["__init__", "context", "need_to_know", "paging", "people", "placeholders"]
    areas = sorted(p.name for p in (ROOT / "app" / "services").iterdir()
                   if (p / "__init__.py").is_file())
    for expected in ("accounts", "audit", "documents", "duty", "incidents", "incoming",
                     "minutes", "output"):
        assert expected in areas


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_check_can_fail(tmp_path):
    """A UI module reaching into an area, one area reaching into another, and an area
    re-exporting another are each reported; imports through the package and inside one area
    are not."""
    app = tmp_path / "app"
    _write(app, "__init__.py", "")
    _write(app, "services/__init__.py", "")
    _write(app, "services/a/__init__.py", "from app.services.a.inner import f\n")
    _write(app, "services/a/inner.py", "def f():\n    return 1\n")
    _write(app, "services/a/other.py", "from app.services.a import inner\n")
    _write(app, "services/b/__init__.py", "from app.services.a.inner import f\n")
    _write(app, "services/b/use.py",
           "from app.services import a\n\n\ndef g():\n    from app.services.a.inner import f\n"
           "    return a.f, f\n")
    _write(app, "ui/page.py", "from app.services.a import inner, f\nimport app.services.a.other\n")
    problems = area_violations(app)
    assert any(p.startswith("app/services/b/use.py:5:") for p in problems), problems
    assert any(p.startswith("app/ui/page.py:1:") and "app.services.a.inner" in p
               for p in problems), problems
    assert any(p.startswith("app/ui/page.py:2:") for p in problems), problems
    assert any("app/services/b/__init__.py" in p and "re-exports" in p for p in problems), problems
    assert not any(p.startswith(("app/services/a/", "app/services/b/use.py:1:"))
                   for p in problems), problems
    assert len(problems) == 5, problems


def _face(init: Path) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]], list[str]]:
    """(names imported for the type checker, names in the lazy map, ``__all__``) of an area's
    ``__init__``, each name as (public name, module, original name)."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    typed, lazy, public = set(), set(), []
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                typed.update((a.asname or a.name, imp.module.rsplit(".", 1)[1], a.name)
                             for a in imp.names)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            mapping = node.value.args[1]
            assert isinstance(mapping, ast.Dict)
            for key, value in zip(mapping.keys, mapping.values, strict=True):
                assert isinstance(key, ast.Constant) and isinstance(value, ast.Constant)
                module, _, original = value.value.partition(":")
                lazy.add((key.value, module, original or key.value))
        elif isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            public = list(ast.literal_eval(node.value))
    return typed, lazy, public


def test_each_public_face_lists_its_names_once_for_the_program_and_the_type_checker():
    """An area's ``__init__`` names each public name twice — for ``app.lazy.public_face``
    (imported on first use) and under ``TYPE_CHECKING`` (for mypy): the two lists and
    ``__all__`` agree, and each name exists in the module named for it."""
    import importlib

    for init in sorted((ROOT / "app" / "services").glob("*/__init__.py")):
        area = init.parent.name
        typed, lazy, public = _face(init)
        assert typed == lazy, area
        assert sorted(public) == sorted({n for n, _m, _o in lazy} | (
            {"RECORD_KINDS"} if area == "output" else set())), area
        package = importlib.import_module(f"app.services.{area}")
        for name, module, original in sorted(lazy):
            inner = importlib.import_module(f"app.services.{area}.{module}")
            assert getattr(package, name) is getattr(inner, original), (area, name)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node of ``edges`` (Tarjan, iteratively),
    each as sorted names."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        cycles.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return cycles


def area_cycles(graph, areas: list[str], root: str = "app.services") -> list[list[str]]:
    """Circles between areas (and the kernel modules) of ``graph`` (a grimp import graph):
    each strongly connected group of more than one, as sorted names."""
    def owner(module: str) -> str | None:
        for area in areas:
            if module == f"{root}.{area}" or module.startswith(f"{root}.{area}."):
                return area
        return None

    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        here = owner(module)
        for imported in graph.find_modules_directly_imported_by(module) if here else ():
            there = owner(imported)
            if there and there != here:
                edges.setdefault(here, set()).add(there)
    return _cycles(edges)


def test_no_circle_between_areas():
    """Areas form a hierarchy (the audit trail and the kernel at the bottom, the 工作台 and the
    exchange at the top): no area imports, even inside a function, one that imports it back.
    Imports for the type checker only (``if TYPE_CHECKING:``) are not edges."""
    import grimp

    services = ROOT / "app" / "services"
    names = sorted(p.name for p in services.iterdir() if (p / "__init__.py").is_file()) + sorted(
        p.stem for p in services.glob("*.py") if p.stem != "__init__")
    graph = grimp.build_graph("app", exclude_type_checking_imports=True)
    assert area_cycles(graph, names) == []


def test_the_circle_check_can_fail():
    import grimp

    graph = grimp.ImportGraph()
    for module in ("app.services.a.x", "app.services.b.y", "app.services.c.z"):
        graph.add_module(module)
    graph.add_import(importer="app.services.a.x", imported="app.services.b.y")
    graph.add_import(importer="app.services.b.y", imported="app.services.c.z")
    assert area_cycles(graph, ["a", "b", "c"]) == []
    graph.add_import(importer="app.services.c.z", imported="app.services.a.x")
    assert area_cycles(graph, ["a", "b", "c"]) == [["a", "b", "c"]]


def test_no_circle_between_modules():
    """No module of the program imports, even inside a function, one that imports it back
    (issue 19's "the import graph has no circle"; imports for the type checker aside)."""
    import grimp

    graph = grimp.build_graph("app", exclude_type_checking_imports=True)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []


RACE = r"""
import importlib, os, threading
areas = sorted(d for d in os.listdir("app/services")
               if os.path.isfile(f"app/services/{d}/__init__.py"))
faces = {a: importlib.import_module(f"app.services.{a}") for a in areas}  # faces only: cheap
errors, start = [], threading.Event()

def read(area, name):
    start.wait()
    try:
        getattr(faces[area], name)
    except Exception as exc:
        errors.append(f"{area}.{name}: {exc!r}")

threads = [threading.Thread(target=read, args=(a, n)) for a, f in faces.items()
           for n in f.__all__ for _ in range(2)]
for t in threads:
    t.start()
start.set()
for t in threads:
    t.join()
print("\n".join(errors[:5]) or "ok")
"""


def test_a_public_face_read_from_many_threads_at_once():
    """Names of an area read by several threads while its modules are first imported (the GUI
    thread opening a page while a worker reads the same area): each waits for the module's
    import instead of reading it half made (the selftest's 收文 page failed so)."""
    import subprocess
    import sys

    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", RACE], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip() == "ok", out.stdout


def test_models_are_imported_from_their_package():
    """Outside ``app/storage``, ORM models come from ``app.storage.models`` itself, never from one
    of its modules. The package's ``__init__`` imports every model module; a thread importing a
    model module directly while another imports the package can each hold one module's import
    lock and wait for the other's: Python then raises ``_DeadlockError`` in one of them (seen in
    ``test_a_public_face_read_from_many_threads_at_once``: the worker and the GUI thread — or the
    main window's background warm-up — importing services for the first time at once)."""
    import ast

    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if (ROOT / "app" / "storage") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "app.storage.models."):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert found == []
