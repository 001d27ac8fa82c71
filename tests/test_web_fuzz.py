"""Schemathesis fuzzes every operation of the OpenAPI document, in process, with an admin's
token on a small store: no input may make the server fail (no 5xx), and each answer must
answer with the uniform error body whenever it refuses."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from goodwill.config import Settings
from goodwill.domain.team import Origin
from goodwill.errors import AuthenticationError
from goodwill.service import team
from goodwill.service.workspace import open_workspace
from goodwill.web.app import create_app
from tests.web_helpers import build_workspace

EXAMPLES = 12  # per operation, valid and invalid inputs each: the whole run stays well under a minute


class AdminToken:
    """An admin's token, made again whenever a fuzzed call revoked it or reset the admin's password."""

    def __init__(self, settings: Settings, token: str) -> None:
        self.store = open_workspace(settings)  # one store for every check, not one opened per call
        self.token = token

    def header(self) -> dict[str, str]:
        try:
            team.token_actor(self.store, self.token, origin=Origin.API, address=None)
        except AuthenticationError:
            operator = team.cli_actor()
            team.update_user(self.store, operator, "admin1", disabled=False, role="admin")
            self.token = team.create_token(self.store, operator, "fuzz", owner="admin1")[0]
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, AdminToken]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    app_settings = Settings(workspace=Path(tmp) / "ws")
    tokens = build_workspace(app_settings, Path(tmp))
    app = create_app(app_settings)
    admin = AdminToken(app_settings, tokens["admin"])
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app), admin
    admin.store.close()
    app.state.store.close()


def test_no_operation_fails_on_any_input(fuzzed: tuple[Any, AdminToken]) -> None:
    schema, admin = fuzzed
    operations = [result.ok() for result in schema.get_all_operations()]
    answered: dict[str, set[int]] = {}
    assert len(operations) >= 14  # every operation of the document is fuzzed
    for operation, mode in itertools.product(operations, GenerationMode):

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            response = case.call(headers=admin.header())
            where = f"{case.method} {case.formatted_path}"
            answered.setdefault(f"{case.method.upper()} {case.path}", set()).add(response.status_code)
            assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:300]}"
            if response.status_code >= 400:
                body = response.json()
                assert body["status"] == response.status_code and body["code"] and body["message"], where

        try:
            call()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, f"no valid input for {operation.label}"  # nothing to get wrong
    assert set(answered) == {f"{op.method.upper()} {op.path}" for op in operations}
    assert any(code < 300 for codes in answered.values() for code in codes)
