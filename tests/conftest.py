"""Shared fixtures. Every test runs offscreen with its own data folder; nothing touches the
user's real data."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Each test gets a fresh data folder and never sees a developer's GOVDESK_DB_URL."""
    monkeypatch.setenv("GOVDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GOVDESK_DB_URL", raising=False)
    yield
