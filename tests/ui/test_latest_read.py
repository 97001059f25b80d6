"""``LatestRead`` (app/ui/kit/reads.py): only the newest answer is shown. A slow read overtaken
by a newer one, and a read superseded by a synchronous refresh, are dropped when they come; an
error is shown only for the read that is still wanted."""

from __future__ import annotations

import threading

from app.errors import InputError
from app.ui.kit import LatestRead, wait_for_all
from app.ui.qt import QWidget


def test_only_the_newest_answer_is_applied(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    shown, errors = [], []
    reads = LatestRead(owner, on_error=errors.append)
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return "old"

    reads.start(slow, shown.append)
    reads.start(lambda: "new", shown.append)  # overtakes the slow one
    qtbot.waitUntil(lambda: shown == ["new"])
    release.set()
    wait_for_all()
    qtbot.wait(50)  # (the slow answer's signal is delivered, and dropped)
    assert shown == ["new"] and not reads.reading

    release.clear()
    reads.start(slow, shown.append)
    assert reads.reading
    reads.supersede()  # a synchronous refresh came meanwhile
    release.set()
    wait_for_all()
    qtbot.waitUntil(lambda: not reads.reading)
    assert shown == ["new"]

    def refused() -> str:
        raise InputError("不能读取")

    reads.start(refused, shown.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert str(errors[0]) == "不能读取" and shown == ["new"]
