"""The test helpers themselves: what needs the shared data or PostgreSQL skips
on a laptop and fails in CI."""

from __future__ import annotations

import pytest

from tests.conftest import require_shared_data


def test_missing_shared_data_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared data not found"):
        require_shared_data("no/such/file.csv")


def test_missing_shared_data_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI: shared data not found at .*no/such/file.csv"):
        require_shared_data("no/such/file.csv")
