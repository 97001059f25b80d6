"""Qt's item-data roles as plain ints, for the models' ``data()``.

Qt passes ``data()`` the role as an int, and a view asks for seven roles of every cell it paints:
comparing with these costs a fraction of looking ``Qt.ItemDataRole.DisplayRole`` up (two
attribute reads) on each call (``benchmarks/README.md``, issue 30)."""

from __future__ import annotations

from app.ui.qt import Qt

DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND, USER = (int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.UserRole))
