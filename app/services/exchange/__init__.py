"""Air-gap exchange packages between desks (SM4-GCM, signed), and the kinds of record they carry.
Its public face: other areas, the UI and the command line import from here, never from the
modules inside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.lazy import public_face

if TYPE_CHECKING:
    from app.services.exchange.packages import (
        ExchangeKind,
        Fields,
        export_package,
        import_package,
        kinds,
        read_package,
        register_kind,
    )

__getattr__, __dir__ = public_face(__name__, {
    "ExchangeKind": "packages",
    "Fields": "packages",
    "export_package": "packages",
    "import_package": "packages",
    "kinds": "packages",
    "read_package": "packages",
    "register_kind": "packages",
})
__all__ = ["ExchangeKind", "Fields", "export_package", "import_package", "kinds", "read_package", "register_kind"]
