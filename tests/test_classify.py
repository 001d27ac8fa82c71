"""`goodwill classify`, `goodwill enrich` and `goodwill train` through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app
from goodwill.domain.signals import KEYS

runner = CliRunner()
KEYSET = set(KEYS)


def classify(*args: str, input: str | None = None) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, ["classify", *args], input=input, catch_exceptions=False)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines, result.stderr


def test_classify_txt_one_object_per_line_in_order(tmp_path: Path) -> None:
    lines = ["where is my order?? 2 weeks late", "", "😂😂", "Mein Paket ist nicht angekommen", "thanks so much, love it!", "   "]
    path = tmp_path / "m.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = classify(str(path))
    assert code == 0 and len(out) == len(lines)
    assert all(set(o) == KEYSET for o in out)
    assert out[0]["intent"] == "complaint" and out[0]["needs_response"] is True
    assert out[3]["language"] == "de" and out[1]["language"] == "und" and out[4]["intent"] == "praise"


def test_classify_csv_with_text_column_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('id,body\n1,"how do I reset\nmy password?"\n2,\n3,"Cancel my subscription, switching to Vantor"\n', encoding="utf-8")
    code, out, _ = classify(str(path), "--text-column", "body")
    assert code == 0 and len(out) == 3
    assert "app login" in out[0]["aspects"]  # type: ignore[operator]
    assert out[2]["urgency"] == "high"


def test_classify_csv_without_the_column_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "m.csv, line 1, field 'text'" in result.stderr and "--text-column" in result.stderr


def test_classify_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "nope.jsonl" in result.stderr


def test_classify_jsonl_reads_bare_strings_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"text": "my bag was lost on the flight"}\n\n"a bare string counts"\n{"text": "", "id": 4}\n')
    code, out, _ = classify(str(path), "--fast")
    assert code == 0 and len(out) == 4
    assert "baggage" in out[0]["aspects"]  # type: ignore[operator]
    assert out[1]["intent"] == "other" and out[1]["needs_response"] is False


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.jsonl", b'{"text": "fine"}\nthis is not json\n', "m.jsonl, line 2: not JSON"),
        ("m.jsonl", b'{"text": "fine"}\n{"text": "ok"}\n{"id": 3}\n', "m.jsonl, line 3, field 'text': missing"),
        ("m.jsonl", b'{"text": 42}\n', "m.jsonl, line 1, field 'text': expected text, found int"),
        ("m.txt", b"hello\nworld\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n", "m.txt, line 3: not UTF-8 text"),
        ("m.txt", b"hello\nELF\x00\x01\x02\n", "m.txt, line 2: binary data"),
        ("m.csv", b'id,text\n1,fine\n2,"caf\xe9"\n', "m.csv, line 3: not UTF-8 text"),
    ],
)
def test_classify_stops_at_a_bad_record_naming_file_and_line(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["classify", str(path), "--fast"])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len(result.stdout.splitlines()) < 3  # at most the records before it; never lines of garbage


def test_classify_a_real_binary_file_is_one_line_and_exit_1() -> None:
    proc = subprocess.run([sys.executable, "-m", "goodwill", "classify", sys.executable], capture_output=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == b""
    err = proc.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and sys.executable in err and "line 1" in err


def test_classify_modes_and_the_model_version(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("my order is late and nobody answers\nlovely day\n", encoding="utf-8")
    versions = {}
    for flag in ("--fast", "--accurate", None):
        code, out, _ = classify(str(path), *([flag] if flag else []))
        assert code == 0 and len(out) == 2
        versions[flag] = out[0]["model_version"]
    assert len(set(versions.values())) == 3
    assert ">" in str(versions[None]) and "accurate" in str(versions["--accurate"]) and "accurate" not in str(versions["--fast"])
    result = runner.invoke(app, ["classify", str(path), "--fast", "--accurate"])
    assert result.exit_code == 1 and "exclude each other" in result.stderr


def test_classify_without_the_encoder_fails_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("where is my order?\n", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from goodwill.understand import encoder\n"
        f"encoder.ENCODER_DIR = Path({str(tmp_path / 'none')!r})\n"
        "from goodwill.cli.main import main; sys.argv = ['goodwill', 'classify', sys.argv[1]]; main()"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 69 and proc.stdout == ""  # ModelUnavailableError.exit_code
    assert len(proc.stderr.strip().splitlines()) == 1 and "encoder is not installed" in proc.stderr
    proc = subprocess.run([sys.executable, "-c", code.replace("'classify', sys.argv[1]", "'classify', '--fast', sys.argv[1]"), str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1


def test_classify_stdin(tmp_path: Path) -> None:
    code, out, _ = classify("-", "--fast", input="I want to buy the new model, where can I get one?\nok\n")
    assert code == 0 and len(out) == 2
    assert out[0]["intent"] == "purchase_intent"
    # The encoder head, with 14 hand-labelled purchase intents to learn from, may read it as a question.
    code, out, _ = classify("-", input="I want to buy the new model, where can I get one?\nok\n")
    assert code == 0 and out[0]["intent"] in ("purchase_intent", "question")


def test_classify_in_a_real_process_with_workers(tmp_path: Path) -> None:
    n = 5000
    texts = [f"message {i}: where is my package #{i}?" if i % 3 else f"thank you so much {i}, the team was amazing!" for i in range(n)]
    path = tmp_path / "many.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    for workers in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "goodwill", "classify", str(path), "--workers", workers],
            capture_output=True, env={**os.environ, "COLUMNS": "200"}, check=True,
        )
        out = [json.loads(line) for line in proc.stdout.splitlines()]
        assert len(out) == n
        assert [o["intent"] == "praise" for o in out] == [i % 3 == 0 for i in range(n)]


def test_classify_reads_stdin_in_a_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "goodwill", "classify", "-", "--format", "jsonl"],
        input=b'{"text": "hola, mi pedido no ha llegado"}\n{"text": ""}\n', capture_output=True, check=True,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["language"] for o in out] == ["es", "und"]


@pytest.mark.parametrize("command", ["classify", "enrich", "train"])
def test_commands_have_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Example" in result.stdout


def test_enrich_backfills_what_import_left_out(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli import invoke

    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps({"id": "1", "author": "ana", "text": "@halcyonbikes my battery caught fire!!", "created_at": "2026-11-01T10:00:00Z"}) + "\n"
        + json.dumps({"id": "2", "author": "ben", "text": "how do I pair the app?", "created_at": "2026-11-01T11:00:00Z"}) + "\n",
        encoding="utf-8",
    )
    assert invoke(settings, "init", "--name", "Halcyon", "--account", "twitter:@halcyonbikes")[0] == 0
    monkeypatch.setenv("GOODWILL_IMPORT_SIGNALS", "false")
    code, out, err = invoke(settings, "import", str(path), "--platform", "twitter")
    monkeypatch.delenv("GOODWILL_IMPORT_SIGNALS")
    assert code == 0, err
    assert "Stored signals" not in out
    code, out, _ = invoke(settings, "enrich")
    assert code == 0 and "Stored signals for 2 messages" in out
    code, out, _ = invoke(settings, "enrich")
    assert code == 0 and "Stored signals for 0 messages" in out


def test_train_rebuilds_the_shipped_fast_head(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from goodwill.understand import heads

    result = runner.invoke(app, ["train", "--task", "intent", "--fast-only", "--data", str(shared_data), "--out", str(tmp_path)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rebuilt = heads.Heads.from_bytes((tmp_path / heads.MODEL_FILE).read_bytes())
    shipped = heads.load()
    assert rebuilt.version == shipped.version and f"fast head {shipped.version}" in result.stdout
    assert np.array_equal(rebuilt.fast.weights, shipped.fast.weights)


def test_classify_uses_every_core_for_a_big_file_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from goodwill.service import classify

    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text("where is my refund?\n", encoding="utf-8")
    big.write_text("where is my refund?\n" * (classify.AUTO_WORKERS_BYTES // 20 + 1), encoding="utf-8")
    monkeypatch.setattr(classify.os, "cpu_count", lambda: 8)
    assert classify.auto_workers(big) == classify.AUTO_WORKERS_MAX
    assert classify.auto_workers(small) == 1
    assert classify.auto_workers(None) == 1  # standard input
    assert classify.auto_workers(tmp_path / "missing.txt") == 1  # the reader names the missing file
    monkeypatch.setattr(classify.os, "cpu_count", lambda: 2)
    assert classify.auto_workers(big) == 2
    # The command on the big file, with no --workers: every line gets its line, in order, from two processes.
    proc = subprocess.run([sys.executable, "-m", "goodwill", "classify", str(big), "--fast"], capture_output=True, check=True)
    lines = proc.stdout.splitlines()
    assert len(lines) == classify.AUTO_WORKERS_BYTES // 20 + 1
    assert {json.loads(lines[0])["intent"], json.loads(lines[-1])["intent"]} <= {"question", "complaint"}


def test_classify_starts_without_the_workspace_layers(tmp_path: Path) -> None:
    """`goodwill classify` runs on an app of its own: it loads neither the store, nor the service layer of a
    workspace, nor the web app (they took longer to import than a small file takes to classify)."""
    path = tmp_path / "in.txt"
    path.write_text("where is my refund?\nlove the new app\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from goodwill.cli.launch import main\n"
        "sys.argv = ['goodwill', 'classify', '--fast', sys.argv[1]]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    heavy = sorted(m for m in ('sqlalchemy', 'goodwill.store', 'goodwill.service.workspace', 'fastapi') if m in sys.modules)\n"
        "    print('loaded:', ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["intent"] for line in proc.stdout.splitlines()][0] in {"question", "complaint"}
    assert proc.stderr.strip().splitlines()[-1] == "loaded:"
    usage = subprocess.run([sys.executable, "-m", "goodwill", "classify", "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Usage: goodwill classify [OPTIONS]" in usage.stderr
