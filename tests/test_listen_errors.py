"""Source errors name the host and the cause in words, and never show a secret:
not in `listen`, not in `sources test`, not from a secrets file kept where others can reach it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from goodwill.config import Settings
from goodwill.connectors.credentials import read_secrets
from goodwill.errors import CredentialsError
from goodwill.store import Store
from tests.listening import cli, cli_process
from tests.servers import bluesky, mastodon
from tests.servers.http import Request, Response, serving

TOKEN = "mastodon-secret-token-123"


def one_line(output: str) -> str:
    return " ".join(output.split())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_mastodon(settings: Settings, url: str, *extra: str) -> None:
    args = ["sources", "add", "fedi", "--platform", "mastodon", "--url", url, "--query", "#halcyon", *extra]
    result = cli(settings, *args)
    assert result.exit_code == 0, result.output


def test_connection_refused_names_the_host(store: Store, settings: Settings) -> None:
    port = closed_port()
    add_mastodon(settings, f"http://127.0.0.1:{port}")
    result = cli(settings, "sources", "test", "fedi")
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}: connection refused, reading #halcyon" in one_line(result.output)
    assert cli(settings, "sources", "add", "sky", "--platform", "bluesky", "--url", f"http://127.0.0.1:{port}",
               "--account", "halcyon.bsky.social", "--token-env", "GW_TEST_BSKY").exit_code == 0
    listened = cli(settings, "listen", "--once", "--source", "sky", env={"GW_TEST_BSKY": "app-pass-abcd-efgh-ijkl"})
    assert listened.exit_code == 1
    assert f"127.0.0.1:{port}: connection refused, signing in as halcyon.bsky.social" in one_line(listened.output)


def test_a_server_that_does_not_answer_in_time(store: Store, settings: Settings) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        add_mastodon(settings, f"http://127.0.0.1:{listener.getsockname()[1]}")
        result = cli(settings, "sources", "test", "fedi", env={"GOODWILL_LISTEN_TIMEOUT": "0.5"})
    finally:
        listener.close()
    assert result.exit_code == 1
    assert "no answer in time (timed out), reading #halcyon" in one_line(result.output)


def test_rejected_token_and_app_password_are_said_in_words(store: Store, settings: Settings) -> None:
    with serving(mastodon.server(mastodon.MastodonState())) as srv:
        add_mastodon(settings, srv.url, "--token-env", "GW_TEST_MASTODON")
        result = cli(settings, "sources", "test", "fedi", env={"GW_TEST_MASTODON": "not-the-token"})
    host = srv.url.split("://")[1]
    assert f"{host}: the access token was rejected (HTTP 401), reading #halcyon" in one_line(result.output)
    with serving(bluesky.server(bluesky.BlueskyState())) as srv:
        assert cli(settings, "sources", "add", "sky", "--platform", "bluesky", "--url", srv.url, "--account",
                   "halcyon.bsky.social", "--token-env", "GW_TEST_BSKY").exit_code == 0
        result = cli(settings, "sources", "test", "sky", env={"GW_TEST_BSKY": "wrong-password-xyz"})
    host = srv.url.split("://")[1]
    assert f"{host}: the app password was rejected (HTTP 401), signing in as halcyon.bsky.social" in one_line(result.output)
    assert "wrong-password-xyz" not in result.output


# -- the secrets file ---------------------------------------------------------


def secrets_file(folder: Path, body: str, mode: int = 0o600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secrets.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return path


def test_secrets_file_in_a_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    path = secrets_file(shared, f'GW_TEST_MASTODON = "{TOKEN}"\n')
    shared.chmod(0o777)
    with pytest.raises(CredentialsError, match=r"in a folder others may write to .*mode 0777.*chmod go-w") as info:
        read_secrets(path)
    assert TOKEN not in str(info.value)
    shared.chmod(0o775)  # the group may write: refused too
    with pytest.raises(CredentialsError, match="others may write"):
        read_secrets(path)
    shared.chmod(0o755)
    assert read_secrets(path) == {"GW_TEST_MASTODON": TOKEN}
    path.chmod(0o644)
    with pytest.raises(CredentialsError, match="may be read by others"):
        read_secrets(path)


@pytest.mark.parametrize(
    ("secret", "answer"),
    [
        # a server that echoes the credential in its error body and headers
        (TOKEN, lambda req: Response(500, {"error": f"bad {req.headers.get('authorization')}"},
                                     {"X-Echo": str(req.headers.get("authorization"))})),
        (TOKEN, lambda req: Response(401, {"error": f"{req.headers.get('authorization')} is not valid"})),
        (TOKEN, lambda req: Response(200, raw=b"{not json " + str(req.headers.get("authorization")).encode())),
        # a token the HTTP client refuses to send: its own error quotes the header
        ("mastodon-secret\ntoken-123", None),
    ],
    ids=["echoing-500", "echoing-401", "malformed-200", "unsendable-token"],
)
def test_a_failing_sources_test_never_shows_a_secret(store: Store, settings: Settings, secret: str, answer) -> None:
    state = mastodon.MastodonState(token=secret)

    def handle(req: Request) -> Response:
        return answer(req) if answer is not None else state.handle(req)

    escaped = secret.replace("\n", "\\n")
    secrets_file(settings.workspace, f'GW_TEST_MASTODON = "{escaped}"\nOTHER_TOKEN = "another-secret-456789"\n')
    with serving(mastodon.server(state)) as srv:
        srv.handle = handle
        add_mastodon(settings, srv.url, "--token-env", "GW_TEST_MASTODON")
        inline = cli(settings, "sources", "test", "fedi")
        proc = cli_process(settings, "sources", "test", "fedi")
        out, errs = proc.communicate(timeout=60)
        listened = cli(settings, "listen", "--once")
        listed = cli(settings, "sources", "list", "--json")
    assert inline.exit_code == 1 and proc.returncode == 1 and listened.exit_code == 1
    assert srv.url.split("://")[1] in one_line(inline.output)
    for output in (inline.output, out, errs, listened.output, listed.output):
        for part in (secret, *secret.split("\n"), "another-secret-456789"):
            assert part not in output, output
