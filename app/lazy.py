"""Public faces that import their modules on first use (PEP 562).

An area package of ``app.services`` lists its public names and the module inside that defines
each; a name is imported when it is first read (``documents.sign``, ``from app.services.duty
import OnDuty``), so importing an area for one function does not import the rest of it — the
main window starts without the typesetting, python-docx or the roster solver that other
functions of the same areas need (tests/ui/test_startup_imports.py). Each package repeats the
same names under ``if TYPE_CHECKING:`` for the type checker; tests/test_areas.py checks that
the two lists agree.

A name is looked up in its module on every read, not copied into the package: the package is a
view of the modules inside, so whoever replaces a module's function (a test's ``monkeypatch``
of ``app.services.duty.desk.list_log``) replaces it for every reader of the package too. Patch
the module that defines a name, never the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def public_face(package: str, exports: Mapping[str, str]
                ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``. ``exports`` maps each public name to
    the module inside the package that defines it, ``"module"``, or ``"module:original"`` for a
    name exported under another name."""
    namespace = sys.modules[package].__dict__  # the submodules, once imported
    loaded: dict[str, Any] = {}  # module name → the module, once import_module has returned it

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, original = where.partition(":")
        inner = loaded.get(module)
        if inner is None:
            # import_module, not sys.modules: a module another thread is still importing is
            # waited for (its import lock) instead of being read half made
            inner = loaded[module] = importlib.import_module(f"{package}.{module}")
        return getattr(inner, original or name)

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
