"""`goodwill influence` and `goodwill communities`: both input formats, unknowns, and bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from goodwill.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


EDGES = """source,target,kind,time,client
fan1,author,repost,2024-05-01T10:00:00Z,web
fan2,author,quote,2024-05-02T10:00:00+02:00,app
fan3,author,reply,1714644000,web
fan4,author,mention,2024-05-04 09:30:00,web
author,fan1,reply,2024-05-05T10:00:00Z,web
helper,fan2,reply,2024-05-01T11:00:00Z,web
helper,fan3,reply,2024-05-03T11:00:00Z,web
helper,fan4,reply,2024-05-06T11:00:00Z,web
"""


def test_influence_from_edges(tmp_path: Path) -> None:
    code, out, err = run("influence", "--edges", str(write(tmp_path / "edges.csv", EDGES)))
    assert code == 0, err
    table = rows(out)
    assert list(table[0]) == ["account", "influence", "outreach", "influence_reasons", "outreach_reasons"]
    assert table[0]["account"] == "author"
    assert table[0]["influence_reasons"] == "reposted by 1 distinct account over 3 days; quoted by 1 account"
    by_name = {r["account"]: r for r in table}
    assert set(by_name) == {"author", "fan1", "fan2", "fan3", "fan4", "helper"}
    assert max(by_name, key=lambda a: float(by_name[a]["outreach"])) == "helper"
    assert by_name["helper"]["outreach_reasons"] == "replies to others 3 times (3 accounts); over 6 days"
    assert float(by_name["fan4"]["influence"]) > 0  # helper answered fan4
    assert by_name["fan4"]["influence_reasons"] == "replied to by 1 distinct account over 1 day"

    code, out, _ = run("influence", "--edges", str(tmp_path / "edges.csv"), "--top", "2", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 and lines[0]["account"] == "author" and isinstance(lines[0]["influence_reasons"], list)


def test_influence_within_a_topic(tmp_path: Path) -> None:
    path = write(tmp_path / "topics.csv", "source,target,kind,time,topic\n"
                 "a,b,repost,1,bikes\nc,b,repost,2,bikes\nc,d,repost,3,batteries\n")
    code, out, _ = run("influence", "--edges", str(path), "--topic", "batteries")
    assert code == 0
    assert rows(out)[0]["account"] == "d"
    code, _, err = run("influence", "--edges", str(write(tmp_path / "e.csv", EDGES)), "--topic", "bikes")
    assert code == 1 and "--topic needs a 'topic' column" in err


ACCOUNTS = """account,followers,following,listed,mentions_received,reposts_received,mentions_sent,reposts_sent,posts,notes
celebrity,2000000,40,25,30,20,1,0,300,x
expert,5000,700,250,800,2100,30,50,150,y
helper,80,300,,2,1,600,350,250,
mystery,,,,,,,,,
"""


def test_influence_from_accounts(tmp_path: Path) -> None:
    code, out, err = run("influence", "--accounts", str(write(tmp_path / "accounts.csv", ACCOUNTS)))
    assert code == 0, err
    table = rows(out)
    assert [r["account"] for r in table][:2] == ["expert", "celebrity"]
    by_name = {r["account"]: r for r in table}
    assert max((a for a in by_name if by_name[a]["outreach"]), key=lambda a: float(by_name[a]["outreach"])) == "helper"
    assert by_name["mystery"]["influence"] == "" and by_name["mystery"]["outreach"] == ""  # unknown, not zero
    assert "unknown: listed" in by_name["helper"]["influence_reasons"]
    assert table[-1]["account"] == "mystery"


def test_missing_columns_are_unknown(tmp_path: Path) -> None:
    path = write(tmp_path / "few.csv", "account,followers,reposts_received\nsmall,100,400\nbig,1000000,3\n")
    code, out, err = run("influence", "--accounts", str(path))
    assert code == 0, err
    table = rows(out)
    assert table[0]["account"] == "small"
    assert "unknown: mentioned, listed, engagement per post" in table[0]["influence_reasons"]
    assert all(r["outreach"] == "" for r in table)  # nothing about giving is known
    assert "unknown: reposts others, mentions others, giving per post" in table[0]["outreach_reasons"]


@pytest.mark.parametrize(("flag", "text", "message"), [
    ("--edges", "source,target,kind,time\na,b,reply,1\na,b,like,2\n",
     "line 3, field 'kind': unknown kind 'like' (expected one of reply, mention, repost, quote)"),
    ("--edges", "source,target,kind,time\na,b,reply,2024-05-01T10:00:00Z\na,b,reply,next tuesday\n",
     "line 3, field 'time': unreadable time 'next tuesday' (expected ISO 8601 or Unix seconds)"),
    ("--edges", "source,target,kind,time\na,b,reply,1\n\na,b,reply,\n", "line 4, field 'time': empty"),
    ("--edges", "source,target,kind,time\na,b,reply,1\na,b,reply,nan\n", "line 3, field 'time': unreadable time 'nan'"),
    ("--edges", "source,target,kind,time\na,,reply,1\n", "line 2, field 'target': empty"),
    ("--edges", "source,target,when\na,b,1\n", "line 1, field 'kind': missing column"),
    ("--edges", "source,target,kind,time\na,b,reply,1\na,b,reply\n", "line 3: Expected 4 columns, got 3"),
    ("--edges", "", "line 1: empty file"),
    ("--accounts", "name,followers\na,1\n", "line 1, field 'account': missing column"),
    ("--accounts", "account,followers\na,12\nb,lots\n", "line 3, field 'followers': not a number: 'lots'"),
    ("--accounts", "account,posts\na,12\nb,-3\n", "line 3, field 'posts': must be a count of zero or more, not -3"),
    ("--accounts", "account,posts\na,12\na,3\n", "line 3, field 'account': 'a' appears twice (first on line 2)"),
])
def test_bad_input_names_file_line_and_field(tmp_path: Path, flag: str, text: str, message: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    code, out, err = run("influence", flag, str(path))
    assert code == 1
    assert out == ""
    assert f"{path}, {message}" in " ".join(err.split())


def test_account_names_that_look_like_missing_values(tmp_path: Path) -> None:
    path = write(tmp_path / "names.csv", "source,target,kind,time\nnull,nan,Repost ,1\nNA,nan,reply,2\n")
    code, out, err = run("influence", "--edges", str(path))
    assert code == 0, err
    assert [r["account"] for r in rows(out)] == ["nan", "NA", "null"]


def test_influence_needs_exactly_one_file(tmp_path: Path) -> None:
    code, _, err = run("influence")
    assert code == 1 and "give either --accounts FILE or --edges FILE" in err
    code, _, err = run("influence", "--edges", str(tmp_path / "nope.csv"))
    assert code == 1 and "nope.csv: no such file" in err


def test_communities_csv_and_json(tmp_path: Path) -> None:
    lines = ["source,target,kind,time"]
    for group in ("l", "r"):
        members = [f"{group}{i}" for i in range(5)]
        lines += [f"{a},{b},reply,{i}" for i, a in enumerate(members) for b in members if a != b]
    lines.append("l0,r0,mention,99")
    path = write(tmp_path / "groups.csv", "\n".join(lines) + "\n")
    code, out, err = run("communities", "--edges", str(path))
    assert code == 0, err
    table = rows(out)
    assert [r["size"] for r in table] == ["5", "5"]
    assert list(table[0]) == ["community", "size", "inner_interactions", "central", "generous", "topics"]
    assert {r["central"].split("; ")[0][0] for r in table} == {"l", "r"}
    code, out, _ = run("communities", "--edges", str(path), "--json", "--min-size", "6")
    assert code == 0 and out == ""


def test_the_installed_command_runs(tmp_path: Path) -> None:
    """As a process: the real entry point, stdout as a pipe."""
    path = write(tmp_path / "edges.csv", EDGES)
    result = subprocess.run([sys.executable, "-m", "goodwill", "influence", "--edges", str(path), "--top", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [r["account"] for r in rows(result.stdout)] == ["author"]


TOPICS = EDGES.replace("time,client", "time,topic").replace(",web\n", ",bikes\n").replace(",app\n", ",batteries\n")


@pytest.mark.parametrize("extra", [
    [], ["--top", "3"], ["--json"], ["--top=2", "--json"], ["--half-life", "2.5", "--now", "2024-05-20T00:00:00Z"],
    ["--topic", "bikes"], ["--now", "1714900000"],
])
def test_quick_start_prints_what_the_typer_command_prints(tmp_path: Path, extra: list[str]) -> None:
    """`goodwill influence --edges` starts without Typer; its output is the full app's, byte for byte."""
    path = write(tmp_path / "edges.csv", TOPICS)
    code, expected, err = run("influence", "--edges", str(path), *extra)
    assert code == 0, err
    script = ("import sys; from goodwill.cli.launch import main; main(); "
              "sys.stdout.flush(); print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script, "influence", "--edges", str(path), *extra],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    assert result.stderr.strip() == "[]"  # neither Typer nor Rich was loaded


@pytest.mark.parametrize(("extra", "message"), [
    (["--now", "someday"], "--now: unreadable time 'someday' (expected ISO 8601 or Unix seconds)"),
    (["--topic", "bikes"], "--topic needs a 'topic' column"),
])
def test_quick_start_reports_bad_input_in_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    path = write(tmp_path / "edges.csv", EDGES)
    result = subprocess.run([sys.executable, "-m", "goodwill", "influence", "--edges", str(path), *extra],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().endswith(message) and result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr and "╭" not in result.stderr


def test_options_the_quick_start_does_not_take_go_to_typer(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", EDGES)
    result = subprocess.run([sys.executable, "-m", "goodwill", "influence", "--edges", str(path), "--top", "0"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--top" in result.stderr  # Typer's usage error, as before
    result = subprocess.run([sys.executable, "-m", "goodwill", "influence", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "--half-life" in result.stdout


def test_ranking_orders_by_influence_then_outreach_then_file_order() -> None:
    from goodwill.cli.scoring import ranking

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        influence = rng.integers(0, 5, n).astype(float)
        outreach = rng.integers(0, 3, n).astype(float)
        influence[rng.random(n) < 0.1] = -1.0  # unknown, last
        assert np.array_equal(ranking(influence, outreach), np.lexsort((-outreach, -influence)))


def test_text_that_is_not_utf8_deep_in_a_file_names_its_line(tmp_path: Path) -> None:
    lines = ["source,target,kind,time"] + [f"a{i},b{i % 7},reply,2024-05-01T10:00:00Z" for i in range(20000)]
    good = ("\n".join(lines) + "\n").encode()
    for bad in (b"c\xff,b,reply,2024-05-01T10:00:00Z\n", b"c,b,reply,2024-05-01T10:00:00Z\xff\n", b"c,b,rep\xffly,5\n"):
        path = tmp_path / "edges.csv"
        path.write_bytes(good + bad)
        for args in (["-m", "goodwill", "influence"], ["-m", "goodwill", "communities"]):
            result = subprocess.run([sys.executable, *args, "--edges", str(path)], capture_output=True, text=True, timeout=120)
            assert result.returncode == 1 and result.stdout == ""
            assert f"{path}, line 20002: not UTF-8 text" in " ".join(result.stderr.split()), result.stderr
