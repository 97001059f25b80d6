"""The suite's warning policy (pyproject.toml): every warning is an error, except deprecations
raised inside a dependency — a new release of one must not break the suite overnight — while a
deprecation attributed to our own code still fails."""

from __future__ import annotations

import warnings

import pytest


def test_a_dependencys_own_deprecation_is_not_an_error():
    warnings.warn_explicit("old API", DeprecationWarning, "reader.py", 1,
                           module="openpyxl.reader.excel")
    warnings.warn_explicit("old API", PendingDeprecationWarning, "x.py", 1, module="docxtpl")


@pytest.mark.parametrize("module", ["app.services.holidays.tables", "app", "tests.test_x"])
def test_a_deprecation_in_our_code_fails(module):
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit("old API", DeprecationWarning, "ours.py", 1, module=module)


def test_other_warnings_from_dependencies_still_fail():
    with pytest.raises(UserWarning):
        warnings.warn_explicit("odd", UserWarning, "reader.py", 1, module="openpyxl.reader")
