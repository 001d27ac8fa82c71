"""Settings: built from options, GOODWILL_* variables and defaults; a bad value is one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.config import load_settings
from goodwill.errors import ConfigError


def test_variables_and_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOODWILL_LISTEN_ATTEMPTS", "3")
    monkeypatch.setenv("GOODWILL_IMPORT_SIGNALS", "no")
    monkeypatch.setenv("GOODWILL_WORKSPACE", str(tmp_path / "from-env"))
    settings = load_settings(workspace=tmp_path / "from-option")
    assert settings.listen_attempts == 3
    assert settings.import_signals is False
    assert settings.workspace == tmp_path / "from-option"
    assert settings.listen_timeout == 30.0


def test_a_bad_value_names_the_setting_and_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_LISTEN_ATTEMPTS", "0")
    monkeypatch.setenv("GOODWILL_IMPORT_SIGNALS", "sometimes")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "setting listen_attempts (GOODWILL_LISTEN_ATTEMPTS): Input should be greater than or equal to 1" in message
    assert "setting import_signals (GOODWILL_IMPORT_SIGNALS)" in message
    assert "sometimes" not in message  # values are not repeated: a URL may hold a password


def test_the_cli_fails_with_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOODWILL_LISTEN_TIMEOUT", "soon")
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws"), "status"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert lines == ["Error: setting listen_timeout (GOODWILL_LISTEN_TIMEOUT): Input should be a valid number, "
                     "unable to parse string as a number"], lines
