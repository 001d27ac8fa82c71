"""Reading conversation files: generic CSV and JSONL, twcs, tweets.js and
plain text; errors that name file, line and field; encodings; Unicode; and
round trips of generated records."""

from __future__ import annotations

import codecs
import csv
import io
import json
import string
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from goodwill.domain import MessageKind, ParsedMessage
from goodwill.errors import ConfigError, ImportFileError
from goodwill.ingest.readers import FORMATS, ImportOptions, parse_mapping, read_messages, settle_options
from tests.conftest import require_shared_data

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
HEADER = "id,author,text,created_at\n"
TWCS_HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
PROPS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# --- helpers -----------------------------------------------------------------


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write exactly these characters (no newline translation) or bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read(path: Path, **options: Any) -> list[ParsedMessage]:
    return list(read_messages(path, ImportOptions(**options)))


def failure(path: Path, **options: Any) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        read(path, **options)
    return info.value


def assert_names(err: ImportFileError, path: Path, line: int | None, field: str | None) -> str:
    """The error names the file, the line (or none) and the field (or none), in its message too."""
    message = str(err)
    assert err.path == str(path)
    assert err.line == line, message
    assert err.field == field, message
    where = str(path)
    if line is not None:
        where += f", line {line}"
    if field is not None:
        where += f", field {field!r}"
    assert message.startswith(where + ": "), message
    if line is None:
        assert ", line " not in message.split(": ")[0]
    return message


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue()


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def iso(minutes: int = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


# --- generic CSV ---------------------------------------------------------------


def test_csv_good_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "posts.csv",
        "id,platform,author,author_name,text,created_at,reply_to,likes,reposts,kind,is_brand,url\n"
        f"p1,mastodon,alice,Alice A,Loving my #ebike from @halcyon@bikes.example https://example.com/x.,{iso(0)},,3,1,,false,https://m.example/p1\n"
        f'p2,mastodon,halcyon,Halcyon Bikes,"Thanks @alice!\nGlad you like it.",{iso(5)},p1,0,,reply,true,\n'
        f"p3,,@carol,,review text,2024-05-01 10:00:00,,,,review,,\n",
    )
    one, two, three = read(path)
    assert (one.platform, one.platform_id, one.author, one.author_name) == ("mastodon", "p1", "alice", "Alice A")
    assert one.created_at == T0 and one.created_at.tzinfo is UTC
    assert one.kind is MessageKind.POST and one.reply_to_id is None
    assert one.metrics == {"likes": 3, "reposts": 1}
    assert one.is_brand is False
    assert one.url == "https://m.example/p1"
    assert one.mentions == ["halcyon@bikes.example"]
    assert one.hashtags == ["ebike"]
    assert one.links == ["https://example.com/x"]
    assert one.line == 2
    assert two.text == "Thanks @alice!\nGlad you like it."
    assert two.kind is MessageKind.REPLY and two.reply_to_id == "p1"
    assert two.metrics == {"likes": 0}
    assert two.is_brand is True and two.url is None
    assert two.line == 3
    assert three.platform == "other" and three.author == "carol"  # default platform, '@' dropped
    assert three.kind is MessageKind.REVIEW
    assert three.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert three.line == 5  # record two took two lines
    assert three.raw["text"] == "review text"


def test_csv_aliases_and_platform_option(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.csv",
        "Status_ID,Screen_Name,Body,Timestamp,Favorite_Count,In_Reply_To\n"
        "10,alice,hi,1714555800,7,\n"
        "11,bob,hello,1714555860000,,10\n",
    )
    a, b = read(path, platform="bluesky")
    assert (a.platform, a.platform_id, a.author, a.text, a.metrics) == ("bluesky", "10", "alice", "hi", {"likes": 7})
    assert a.created_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert b.reply_to_id == "10" and b.created_at == datetime(2024, 5, 1, 9, 31, tzinfo=UTC)


def test_csv_without_ids_gets_stable_content_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "noid.csv", f"author,text,created_at\nalice,hi,{iso()}\nbob,hi,{iso()}\n")
    first = [m.platform_id for m in read(path)]
    assert first == [m.platform_id for m in read(path)]
    assert len(set(first)) == 2


def test_csv_naive_times_use_the_default_zone(tmp_path: Path) -> None:
    path = write(tmp_path / "naive.csv", HEADER + "1,alice,summer,2024-07-04 12:00\n2,alice,winter,2024-01-04 12:00\n")
    summer, winter = read(path, default_tz=ZoneInfo("America/New_York"))
    assert summer.created_at == datetime(2024, 7, 4, 16, tzinfo=UTC)
    assert winter.created_at == datetime(2024, 1, 4, 17, tzinfo=UTC)


def test_csv_map_overrides_aliases(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mapped.csv",
        "uid,who,text,body,when,hearts\n"
        f"1,alice,not this,use this,{iso()},4\n",
    )
    mapping = parse_mapping(["id=uid,author=who", " text = body ", "created_at=when", "likes=hearts"])
    assert mapping == {"id": "uid", "author": "who", "text": "body", "created_at": "when", "likes": "hearts"}
    (m,) = read(path, mapping=mapping)
    assert (m.platform_id, m.author, m.text, m.metrics) == ("1", "alice", "use this", {"likes": 4})


@pytest.mark.parametrize("spec", [["text"], ["text="], ["=body"], ["nope=body"], ["text=body,bogus"]])
def test_parse_mapping_rejects_bad_specs(spec: list[str]) -> None:
    with pytest.raises(ConfigError, match="--map"):
        parse_mapping(spec)


def test_csv_text_is_kept_verbatim(tmp_path: Path) -> None:
    text = "  leading and trailing spaces  \r\n\tand a tab, a comma and \"quotes\"  "
    path = write(tmp_path / "verbatim.csv", csv_text([["id", "author", "text", "created_at"], ["1", " alice ", text, iso()]]))
    (m,) = read(path)
    assert m.text == text
    assert m.author == "alice"  # handles are trimmed, text is not


def test_csv_crlf_line_endings(tmp_path: Path) -> None:
    path = write(tmp_path / "crlf.csv", HEADER.replace("\n", "\r\n") + f'1,a,"x\r\ny",{iso()}\r\n2,b,z,nope\r\n')
    err = failure(path)
    assert_names(err, path, 4, "created_at")


def test_csv_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.csv", HEADER + f"1,a,x,{iso()}\n\n,,,\n2,b,y,{iso(1)}\n")
    assert [(m.platform_id, m.line) for m in read(path)] == [("1", 2), ("2", 5)]


def test_empty_and_header_only_files_hold_no_messages(tmp_path: Path) -> None:
    assert read(write(tmp_path / "empty.csv", "")) == []
    assert read(write(tmp_path / "header.csv", HEADER)) == []
    assert read(write(tmp_path / "empty.jsonl", "")) == []
    assert read(write(tmp_path / "blank.jsonl", "\n\n  \n")) == []
    assert read(write(tmp_path / "empty.txt", "")) == []


# --- CSV errors ----------------------------------------------------------------


def test_missing_required_column_without_map(tmp_path: Path) -> None:
    path = write(tmp_path / "nocol.csv", f"id,author,created_at\n1,alice,{iso()}\n")
    message = assert_names(failure(path), path, 1, "text")
    assert "--map" in message


def test_missing_required_column_with_map(tmp_path: Path) -> None:
    # --map names a column the header has, but another required field has none.
    path = write(tmp_path / "nocol.csv", "id,user,body\n1,alice,hello\n")
    err = failure(path, mapping=parse_mapping(["author=user,text=body"]))
    message = assert_names(err, path, 1, "created_at")
    assert "--map" in message


def test_map_names_a_column_the_header_does_not_have(tmp_path: Path) -> None:
    path = write(tmp_path / "mapmiss.csv", HEADER + f"1,alice,hi,{iso()}\n")
    err = failure(path, mapping=parse_mapping(["text=body"]))
    message = assert_names(err, path, 1, "body")
    assert "--map" in message and "header" in message


def test_bad_timestamp_after_a_multiline_record(tmp_path: Path) -> None:
    path = write(
        tmp_path / "badtime.csv",
        HEADER
        + f'1,alice,"line one\nline two\nline three",{iso()}\n'  # lines 2-4
        + f"2,bob,fine,{iso(1)}\n"  # line 5
        + '3,carol,"two\nlines",31/31/2024\n',  # line 6, the bad one
    )
    message = assert_names(failure(path), path, 6, "created_at")
    assert "31/31/2024" in message


@pytest.mark.parametrize("value", ["", "   "])
def test_missing_timestamp(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "notime.csv", HEADER + f"1,alice,hi,{value}\n")
    assert "missing" in assert_names(failure(path), path, 2, "created_at")


@pytest.mark.parametrize("value", ["3.5", "many", "-1", "1e400", "true", "٣x"])
def test_non_integer_metric(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "metric.csv", f"id,author,text,created_at,likes\n1,a,ok,{iso()},2\n2,b,bad,{iso()},{value}\n")
    message = assert_names(failure(path), path, 3, "likes")
    assert "whole number" in message


@pytest.mark.parametrize("value", ["1" * 25, "1e30", "9223372036854775808"])
def test_metric_too_large_for_the_store(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "huge.csv", f"id,author,text,created_at,likes\n1,a,ok,{iso()},{value}\n")
    assert "too large" in assert_names(failure(path), path, 2, "likes")
    path = write(tmp_path / "huge.jsonl", f'{{"author": "a", "text": "t", "created_at": "{iso()}", "likes": {value}}}\n')
    assert "too large" in assert_names(failure(path), path, 1, "likes")
    path = write(tmp_path / "max.csv", f"id,author,text,created_at,likes\n1,a,ok,{iso()},9223372036854775807\n")
    assert read(path)[0].metrics == {"likes": 2**63 - 1}


def test_metric_error_names_the_mapped_column(tmp_path: Path) -> None:
    path = write(tmp_path / "metric.csv", f"id,author,text,created_at,hearts\n1,a,ok,{iso()},lots\n")
    assert_names(failure(path, mapping={"likes": "hearts"}), path, 2, "hearts")


def test_metrics_that_went_through_a_spreadsheet(tmp_path: Path) -> None:
    path = write(tmp_path / "floaty.csv", f"id,author,text,created_at,likes,reply_to\n7.0,a,ok,{iso()},12.0,6.0\n")
    (m,) = read(path)
    assert (m.platform_id, m.metrics, m.reply_to_id) == ("7", {"likes": 12}, "6")


@pytest.mark.parametrize(
    ("rows", "line", "count"),
    [
        (f"1,alice,hi,{iso()}\n2,bob,hi\n", 3, 3),
        (f"1,alice,hi,{iso()},extra\n", 2, 5),
        (f'1,alice,"multi\nline",{iso()}\n2,bob,"also\nmulti"\n', 4, 3),
    ],
)
def test_ragged_rows(tmp_path: Path, rows: str, line: int, count: int) -> None:
    path = write(tmp_path / "ragged.csv", HEADER + rows)
    message = assert_names(failure(path), path, line, None)
    assert f"has {count} fields where the header has 4" in message


def test_broken_quoting(tmp_path: Path) -> None:
    path = write(tmp_path / "quotes.csv", HEADER + f"1,alice,hi,{iso()}\n2,bob,\"unterminated,{iso()}\n3,c,d,{iso()}\n")
    assert "bad CSV" in assert_names(failure(path), path, 3, None)
    path = write(tmp_path / "quotes2.csv", HEADER + f'1,alice,"x"y,{iso()}\n')
    assert "bad CSV" in assert_names(failure(path), path, 2, None)


def test_duplicate_header_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "dupes.csv", f"id,author,text,created_at, text\n1,a,b,{iso()},c\n")
    assert "twice" in assert_names(failure(path), path, 1, "text")


def test_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path / "kind.csv", f"id,author,text,created_at,kind\n1,a,b,{iso()},post\n2,a,b,{iso()},tweet\n")
    message = assert_names(failure(path), path, 3, "kind")
    assert "post, reply, comment, review" in message


def test_kind_is_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path / "kind.csv", f"id,author,text,created_at,kind\n1,a,b,{iso()},Comment\n")
    assert read(path)[0].kind is MessageKind.COMMENT


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("is_brand", "maybe", "true or false"),
        ("platform", "Not A Platform!", "platform name"),
        ("author", "@", "empty"),
        ("id", "x" * 201, "longer than 200"),
    ],
)
def test_bad_field_values(tmp_path: Path, column: str, value: str, problem: str) -> None:
    fields = {"id": "1", "author": "alice", "text": "hi", "created_at": iso(), "platform": "", "is_brand": ""}
    fields[column] = value
    path = write(tmp_path / "bad.csv", csv_text([list(fields), ["2", "bob", "ok", iso(), "", ""], list(fields.values())]))
    assert problem in assert_names(failure(path), path, 3, column)


def test_bad_platform_option(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.csv", HEADER + f"1,a,b,{iso()}\n")
    with pytest.raises(ConfigError, match="--platform"):
        read(path, platform="Twitter Dot Com")


# --- formats -------------------------------------------------------------------


def test_unknown_format(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.csv", HEADER + f"1,a,b,{iso()}\n")
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        read(path, format="xml")


@pytest.mark.parametrize("name", ["export.xlsx", "export", "data.xml", "tweets.jsn"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, HEADER + f"1,a,b,{iso()}\n")
    message = assert_names(failure(path), path, None, None)
    assert "--format" in message
    for fmt in FORMATS:
        assert fmt in message
    (m,) = read(path, format="csv")  # naming the format reads it
    assert m.text == "b"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    assert "no such file" in assert_names(failure(path), path, None, None)
    assert "not a file" in assert_names(failure(tmp_path), tmp_path, None, None)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", HEADER, "csv"),
        ("a.TSV", HEADER, "csv"),
        ("a.csv", TWCS_HEADER, "twcs"),
        ("a.csv", TWCS_HEADER.replace(",", ", "), "twcs"),
        ("a.jsonl", "", "jsonl"),
        ("a.ndjson", "", "jsonl"),
        ("a.json", "[]", "jsonl"),
        ("tweets.js", "", "tweets-js"),
        ("notes.txt", "", "text"),
        ("chat.log", "", "text"),
    ],
)
def test_format_detection(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert settle_options(write(tmp_path / name, content), ImportOptions()).format == expected


# --- JSONL and JSON arrays -----------------------------------------------------


def test_jsonl_good_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "posts.jsonl",
        jsonl(
            {"id": 1, "platform": "reddit", "author": "alice", "text": "first", "created_at": iso(), "likes": 5, "is_brand": False},
            {"id": "2", "author": "halcyon", "text": "reply", "created_at": iso(1), "reply_to": 1, "is_brand": True, "kind": None},
        )
        + "\n"
        + jsonl({"id": "3", "author": "bob", "text": "", "created_at": "Tue Oct 31 22:10:47 +0000 2017", "likes": 2.0}),
    )
    a, b, c = read(path)
    assert (a.platform, a.platform_id, a.metrics, a.is_brand, a.line) == ("reddit", "1", {"likes": 5}, False, 1)
    assert (b.platform, b.reply_to_id, b.kind, b.is_brand, b.line) == ("other", "1", MessageKind.REPLY, True, 2)
    assert (c.text, c.line, c.metrics) == ("", 4, {"likes": 2})
    assert c.created_at == datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)


def test_jsonl_nested_fields_with_map(tmp_path: Path) -> None:
    record = {"uri": "at://x/1", "record": {"text": "hi @bob", "createdAt": iso()}, "author": {"handle": "alice.bsky.social"}}
    path = write(tmp_path / "bsky.jsonl", jsonl(record))
    mapping = parse_mapping(["id=uri,text=record.text,created_at=record.createdAt,author=author.handle"])
    (m,) = read(path, mapping=mapping, platform="bluesky")
    assert (m.platform_id, m.author, m.text, m.mentions) == ("at://x/1", "alice.bsky.social", "hi @bob", ["bob"])


def test_invalid_json_on_line_n(tmp_path: Path) -> None:
    good = jsonl({"id": "1", "author": "a", "text": "b", "created_at": iso()})
    path = write(tmp_path / "bad.jsonl", good + "\n" + good.replace('"1"', '"2"') + '{"id": "3", "author": oops}\n' + good)
    message = assert_names(failure(path), path, 4, None)
    # One line number, the file's: not the parser's "line 1" of the one line it was given.
    assert message.endswith("not valid JSON at column 23: unexpected character, expected a JSON value"), message
    assert message.count(", line ") == 1 and "(char " not in message


def test_invalid_json_in_an_array_or_archive_names_the_files_line(tmp_path: Path) -> None:
    path = write(tmp_path / "array.json", '[\n {"id": "1",\n  "author": oops}]\n')
    assert "not valid JSON at column 13" in assert_names(failure(path), path, 3, None)
    path = write(tmp_path / "data" / "tweets.js", 'window.YTD.tweets.part0 = [\n {"tweet": oops}]\n')
    message = assert_names(failure(path, author="halcyonbikes"), path, 2, None)
    assert "not an X archive data file at column 12" in message and message.count(", line ") == 1 and "line 1 " not in message


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', "42", "null"])
def test_jsonl_line_that_is_not_an_object(tmp_path: Path, line: str) -> None:
    good = jsonl({"id": "1", "author": "a", "text": "b", "created_at": iso()})
    path = write(tmp_path / "notobj.jsonl", good + line + "\n")
    assert "not a JSON object" in assert_names(failure(path), path, 2, None)


@pytest.mark.parametrize(
    ("record", "field", "problem"),
    [
        ({"author": "a", "text": "b"}, "created_at", "missing"),
        ({"author": "a", "created_at": iso()}, "text", "missing"),
        ({"text": "b", "created_at": iso()}, "author", "missing"),
        ({"author": "a", "text": "b", "created_at": "soon"}, "created_at", "soon"),
        ({"author": "a", "text": "b", "created_at": iso(), "likes": -3}, "likes", "whole number"),
        ({"author": "a", "text": "b", "created_at": iso(), "likes": True}, "likes", "whole number"),
        ({"author": "a", "text": "b", "created_at": iso(), "likes": 1.5}, "likes", "whole number"),
        ({"author": ["a"], "text": "b", "created_at": iso()}, "author", "should be text"),
        ({"author": "a", "text": {"x": 1}, "created_at": iso()}, "text", "should be text"),
        ({"author": "a", "text": "b", "created_at": iso(), "kind": "story"}, "kind", "should be one of"),
    ],
)
def test_jsonl_field_errors(tmp_path: Path, record: dict[str, Any], field: str, problem: str) -> None:
    good = {"id": "0", "author": "a", "text": "b", "created_at": iso()}
    path = write(tmp_path / "fields.jsonl", jsonl(good) + "\n" + jsonl({"id": "1", **record}))
    assert problem in assert_names(failure(path), path, 3, field)


def test_json_array_file(tmp_path: Path) -> None:
    records = [{"id": str(i), "author": "a", "text": f"t{i}", "created_at": iso(i)} for i in range(3)]
    path = write(tmp_path / "array.json", json.dumps(records, indent=2))
    got = read(path)
    assert [m.text for m in got] == ["t0", "t1", "t2"]
    assert all(m.line is None for m in got)


def test_json_array_errors_name_the_record(tmp_path: Path) -> None:
    records: list[Any] = [{"id": str(i), "author": "a", "text": "t", "created_at": iso(i)} for i in range(3)]
    records[1]["created_at"] = "whenever"
    path = write(tmp_path / "array.json", json.dumps(records, indent=2))
    message = assert_names(failure(path), path, None, "created_at")
    assert "record 2" in message and "whenever" in message
    records[1] = "not an object"
    path = write(tmp_path / "array2.json", json.dumps(records))
    assert "record 2 is not a JSON object" in assert_names(failure(path), path, None, None)
    path = write(tmp_path / "array3.json", '[{"id": "1",')
    assert "not valid JSON" in assert_names(failure(path), path, 1, None)


# --- twcs ----------------------------------------------------------------------


def test_twcs_good_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "twcs.csv",
        TWCS_HEADER
        + "1,brandcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 Sorry! Please DM us.,2,3\n"
        + '2,115712,True,Tue Oct 31 22:11:45 +0000 2017,"@brandcare ok\nsent",,1\n'
        + "3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@brandcare my #order is late,1,\n",
    )
    one, two, three = read(path)
    # A company's tweet is left for the workspace's brand accounts to judge; a customer's is never the brand's.
    assert (one.platform, one.platform_id, one.author, one.is_brand, one.reply_to_id) == ("twitter", "1", "brandcare", None, "3")
    assert one.mentions == ["115712"] and one.kind is MessageKind.REPLY
    assert (two.is_brand, two.text, two.line) == (False, "@brandcare ok\nsent", 3)
    assert (three.is_brand, three.reply_to_id, three.kind, three.hashtags, three.line) == (False, None, MessageKind.POST, ["order"], 5)
    assert three.created_at == datetime(2017, 10, 31, 22, 8, 27, tzinfo=UTC)


def test_twcs_inbound_reads_one_and_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path / "twcs.csv",
        TWCS_HEADER + "1,brandcare,0,Tue Oct 31 22:10:47 +0000 2017,@115712 hi,,2\n2,115712,1,Tue Oct 31 22:09:47 +0000 2017,help,1,\n",
    )
    company, customer = read(path)
    assert (company.is_brand, customer.is_brand) == (None, False)
    path = write(tmp_path / "twcs2.csv", TWCS_HEADER + "1,brandcare,,Tue Oct 31 22:10:47 +0000 2017,hi,,\n")
    assert "missing" in assert_names(failure(path), path, 2, "inbound")


def test_twcs_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "twcs.csv", TWCS_HEADER + "1,b,False,Tue Oct 31 22:10:47 +0000 2017,x,,\n2,c,maybe,Tue Oct 31 22:10:47 +0000 2017,x,,\n")
    assert "maybe" in assert_names(failure(path), path, 3, "inbound")
    path = write(tmp_path / "twcs2.csv", TWCS_HEADER + '1,b,False,"Tue Oct 31\n22:10:47",x,,\n')
    assert_names(failure(path), path, 2, "created_at")
    short = TWCS_HEADER.replace(",in_response_to_tweet_id", "")
    path = write(tmp_path / "twcs3.csv", short + "1,b,False,Tue Oct 31 22:10:47 +0000 2017,x,\n")
    assert_names(failure(path, format="twcs"), path, 1, "in_response_to_tweet_id")


def test_twcs_head5000() -> None:
    path = require_shared_data("twcs/twcs_head5000.csv")
    got = read(path)
    assert len(got) == 5000
    assert sum(1 for m in got if m.is_brand is None) == 2222 and not any(m.is_brand for m in got)
    assert sum(1 for m in got if m.reply_to_id) == 3694
    assert len({m.platform_id for m in got}) == 5000
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {r["tweet_id"]: r for r in csv.DictReader(fh)}
    lines = path.read_bytes().split(b"\n")
    for m in got:
        row = rows[m.platform_id]
        assert m.text == row["text"]
        assert m.author == row["author_id"]
        assert m.reply_to_id == (row["in_response_to_tweet_id"] or None)
        assert m.is_brand == (None if row["inbound"] == "False" else False)
        assert m.platform == "twitter" and m.created_at.tzinfo is UTC
        assert m.line is not None
        # The line number is where the record starts in the file.
        assert lines[m.line - 1].startswith((f"{m.platform_id},".encode(), f'"{m.platform_id}",'.encode()))
    first = got[0]
    assert (first.platform_id, first.author, first.created_at) == ("1", "sprintcare", datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC))
    assert {m.platform_id: m for m in got}["3399"].text.startswith("@AskPayPal \r\rI just love")


def test_twcs_kaggle_sample() -> None:
    path = require_shared_data("twcs/twcs_kaggle_sample.csv")
    got = read(path)
    assert len(got) == 93
    assert sum(1 for m in got if m.is_brand is None) == 44
    brands = {m.author for m in got if m.is_brand is None}
    assert len(brands) == 13 and {"AppleSupport", "ChaseSupport", "VirginTrains"} <= brands


# --- tweets.js -----------------------------------------------------------------

TWEETS = [
    {
        "tweet": {
            "id_str": "1001",
            "full_text": "Big news @alice! #launch https://t.co/abc",
            "created_at": "Tue Oct 31 22:10:47 +0000 2017",
            "favorite_count": "12",
            "retweet_count": "3",
            "entities": {
                "user_mentions": [{"screen_name": "alice", "id_str": "5"}],
                "hashtags": [{"text": "launch"}],
                "urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.com/launch"}],
            },
        }
    },
    {
        "tweet": {
            "id_str": "1002",
            "full_text": "@alice thanks!",
            "created_at": "Tue Oct 31 22:20:47 +0000 2017",
            "in_reply_to_status_id_str": "999",
            "favorite_count": "0",
            "retweet_count": "0",
        }
    },
]


def write_archive(folder: Path, tweets: Any = TWEETS, account: Any = None) -> Path:
    path = write(folder / "tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets, indent=2))
    if account is not None:
        write(folder / "account.js", "window.YTD.account.part0 = " + json.dumps(account))
    return path


def test_tweets_js_without_author_is_an_error(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "archive")
    message = assert_names(failure(path), path, None, None)
    assert "--author" in message and "account.js" in message


def test_tweets_js_with_author_option(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "archive")
    a, b = read(path, author="@halcyonbikes")
    assert (a.platform, a.platform_id, a.author, a.author_id) == ("twitter", "1001", "halcyonbikes", None)
    assert a.url == "https://x.com/halcyonbikes/status/1001"
    assert a.metrics == {"likes": 12, "reposts": 3}
    assert (a.mentions, a.hashtags, a.links) == (["alice"], ["launch"], ["https://example.com/launch"])
    assert a.created_at == datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)
    assert (b.reply_to_id, b.kind, b.mentions, b.metrics) == ("999", MessageKind.REPLY, ["alice"], {"likes": 0, "reposts": 0})


def test_tweets_js_with_account_js_beside_it(tmp_path: Path) -> None:
    account = [{"account": {"username": "HalcyonBikes", "accountId": "42", "accountDisplayName": "Halcyon Bikes"}}]
    path = write_archive(tmp_path / "archive", account=account)
    a, _ = read(path)
    assert (a.author, a.author_id, a.author_name) == ("HalcyonBikes", "42", "Halcyon Bikes")
    a, _ = read(path, author="halcyonbikes")  # the same account, any case
    assert (a.author, a.author_id) == ("HalcyonBikes", "42")


def test_tweets_js_broken_account_js(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "archive", account=[{"account": {}}])
    assert_names(failure(path), tmp_path / "archive" / "account.js", None, "account.username")


def test_tweets_js_errors(tmp_path: Path) -> None:
    bad_time = [TWEETS[0], {"tweet": {"id_str": "2", "full_text": "x", "created_at": "later"}}]
    path = write_archive(tmp_path / "a", bad_time)
    assert "record 2" in assert_names(failure(path, author="me"), path, None, "created_at")
    no_id = [{"tweet": {"full_text": "x", "created_at": "Tue Oct 31 22:10:47 +0000 2017"}}]
    path = write_archive(tmp_path / "b", no_id)
    assert "record 1" in assert_names(failure(path, author="me"), path, None, "id_str")
    path = write_archive(tmp_path / "c", [TWEETS[0], 7])
    assert "record 2" in assert_names(failure(path, author="me"), path, None, None)
    path = write_archive(tmp_path / "d", {"not": "a list"})
    assert_names(failure(path, author="me"), path, None, None)
    path = write(tmp_path / "e" / "tweets.js", "window.YTD.tweets.part0 = [{")
    assert "X archive" in assert_names(failure(path, author="me"), path, 1, None)


def test_tweets_js_odd_entities_fall_back_to_the_text(tmp_path: Path) -> None:
    tweet = {
        "id_str": "1",
        "full_text": "hi @bob #tag https://example.com",
        "created_at": "Tue Oct 31 22:10:47 +0000 2017",
        "entities": {"user_mentions": [{"screen_name": 5}, "x"], "hashtags": "tag", "urls": [{"expanded_url": None}]},
    }
    path = write_archive(tmp_path / "a", [{"tweet": tweet}])
    (m,) = read(path, author="me")
    assert m.mentions == ["bob"] and m.hashtags == ["tag"] and m.links == ["https://example.com"]
    assert all(isinstance(x, str) for x in m.mentions + m.hashtags + m.links)


# --- plain text ----------------------------------------------------------------


def test_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.txt", "Love the new bike @halcyon\n\nlove it\r\n   \nLove the new bike @halcyon\n  indented #tag  \n")
    got = read(path, author="@sam")
    assert [m.text for m in got] == ["Love the new bike @halcyon", "love it", "Love the new bike @halcyon", "  indented #tag  "]
    assert [m.line for m in got] == [1, 3, 5, 6]
    assert {m.author for m in got} == {"sam"} and {m.platform for m in got} == {"text"}
    ids = [m.platform_id for m in got]
    assert len(set(ids)) == 4  # the repeated line gets an id of its own
    assert ids[0].rsplit("-", 1)[0] == ids[2].rsplit("-", 1)[0]
    assert ids == [m.platform_id for m in read(path, author="sam")]  # stable across re-reads
    write(path, "an added first line\n" + path.read_text(encoding="utf-8"))
    assert set(ids) <= {m.platform_id for m in read(path, author="sam")}  # and across edits
    assert got[0].mentions == ["halcyon"] and got[3].hashtags == ["tag"]
    assert got[0].created_at.tzinfo is UTC


def test_plain_text_default_author(tmp_path: Path) -> None:
    (m,) = read(write(tmp_path / "one.txt", "hello"))
    assert m.author == "unknown"


# --- encodings -------------------------------------------------------------------

ACCENTED = "Café crème, über naïve façade"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", HEADER + f'1,alice,"{ACCENTED}",{iso()}\n', encoding="utf-8-sig")
    (m,) = read(path)
    assert m.text == ACCENTED and m.platform_id == "1"
    path = write(tmp_path / "bom.jsonl", jsonl({"id": "1", "author": "a", "text": ACCENTED, "created_at": iso()}), encoding="utf-8-sig")
    assert read(path)[0].text == ACCENTED
    path = write(tmp_path / "bom.txt", "first\nsecond\n", encoding="utf-8-sig")
    assert [m.text for m in read(path)] == ["first", "second"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    lines = [
        "Café crème brûlée, s'il vous plaît",
        "Grüße aus München, schöne Größe",
        "über naïve façade, señor",
        "Le cœur a ses raisons" if encoding == "cp1252" else "Les élèves étaient très fâchés",
    ]
    rows = "".join(f'{i},user{i},"{text}",{iso(i)}\n' for i, text in enumerate(lines, 1))
    path = write(tmp_path / "legacy.csv", HEADER + rows, encoding=encoding)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert [m.text for m in read(path)] == lines


def test_utf16_with_bom(tmp_path: Path) -> None:
    content = HEADER + f'1,alice,"{ACCENTED}\nsecond line",{iso()}\n2,bob,😀 שלום,{iso(1)}\n3,carol,x,bad\n'
    path = write(tmp_path / "u16.csv", content, encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert_names(failure(path), path, 5, "created_at")
    path = write(tmp_path / "u16.csv", content.rsplit("3,", 1)[0], encoding="utf-16")
    a, b = read(path)
    assert (a.text, a.line, b.text, b.line) == (f"{ACCENTED}\nsecond line", 2, "😀 שלום", 4)
    path = write(tmp_path / "u16.jsonl", jsonl({"id": "1", "author": "a", "text": ACCENTED, "created_at": iso()}), encoding="utf-16")
    assert read(path)[0].text == ACCENTED


def test_explicit_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "utf8.csv", HEADER + f'1,alice,plain,{iso()}\n2,bob,"{ACCENTED}",{iso()}\n')
    message = assert_names(failure(path, encoding="ascii"), path, 3, None)
    assert "ascii" in message and "--encoding" in message
    path = write(tmp_path / "utf8.jsonl", jsonl({"author": "a", "text": "ok", "created_at": iso()}, {"author": "a", "text": ACCENTED, "created_at": iso()}))
    assert_names(failure(path, encoding="ascii"), path, 2, None)


def test_explicit_right_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.csv", HEADER + f'1,alice,"{ACCENTED}",{iso()}\n', encoding="latin-1")
    assert read(path, encoding="latin-1")[0].text == ACCENTED


@pytest.mark.parametrize("encoding", ["klingon", "base64", "rot13", "zlib"])
def test_unknown_encoding_name(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "ok.csv", HEADER + f"1,a,b,{iso()}\n")
    with pytest.raises(ConfigError, match=f"unknown encoding '{encoding}'"):
        read(path, encoding=encoding)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\x00\x00\x01\x02",  # a UTF-32 BOM, then truncated
        b"\xff\xfei\x00d\x00\n\x00\x00\xd8",  # UTF-16 with a lone surrogate
        b"\xfe\xff\x00",
    ],
)
def test_broken_utf16_and_utf32_are_import_errors(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "broken.csv", content)
    err = failure(path)
    assert err.path == str(path) and "--encoding" in str(err)


def test_broken_utf16_names_the_line(tmp_path: Path) -> None:
    good = (HEADER + "".join(f"{i},a,{'x' * 500},{iso(i)}\n" for i in range(40))).encode("utf-16-le")
    path = write(tmp_path / "late.csv", codecs.BOM_UTF16_LE + good + b"\x00\xd8" + "1,a,b,c\n".encode("utf-16-le"))
    assert "--encoding" in assert_names(failure(path), path, 42, None)
    path = write(tmp_path / "nobom.csv", HEADER.encode("utf-8"))
    assert_names(failure(path, encoding="utf-16"), path, 1, None)  # an odd number of bytes


# --- Unicode in the text ---------------------------------------------------------

UNICODE_TEXTS = [
    "emoji 😀🚲👍🏽 and a family 👨‍👩‍👧‍👦 and a flag 🇳🇱",
    "עברית: האופניים שלי נהדרים",  # RTL
    "العربية: شكرا لكم \u200f!",
    "mixed \u202eRTL override\u202c text",
    "combining: e\u0301 a\u0308 n\u0303 and Zalgo z\u0336\u0351a\u0337l\u0338g\u0335o",
    "CJK 日本語のテキスト、中文，한국어",
    "zero width\u200b joiner\u200d and non-breaking\u00a0space",
    "line\u2028separator and paragraph\u2029separator and \x1c file sep",
    "",
    "x" * 100_000,
    "🚲" * 30_000,
]


@pytest.mark.parametrize("text", UNICODE_TEXTS, ids=lambda t: f"{len(t)}:{t[:12]!r}")
def test_unicode_texts_csv_and_jsonl(tmp_path: Path, text: str) -> None:
    rows = [["id", "author", "text", "created_at"], ["1", "alice", text, iso()], ["2", "bob", "after", iso(1)]]
    path = write(tmp_path / "u.csv", csv_text(rows))
    a, b = read(path)
    assert a.text == text and (b.text, b.line) == ("after", 3)
    path = write(tmp_path / "u.jsonl", jsonl({"id": "1", "author": "alice", "text": text, "created_at": iso()}))
    assert read(path)[0].text == text


def test_nul_characters_are_removed(tmp_path: Path) -> None:
    path = write(tmp_path / "nul.csv", HEADER + f'1,al\x00ice,"he\x00llo",{iso()}\n')
    (m,) = read(path)
    assert (m.author, m.text) == ("alice", "hello")
    path = write(tmp_path / "nul.jsonl", jsonl({"id": "1\u0000", "author": "bob", "text": "\u0000hi\u0000", "created_at": iso()}))
    (m,) = read(path)
    assert (m.platform_id, m.text) == ("1", "hi")
    (m,) = read(write(tmp_path / "nul.txt", "a\x00b\n"))
    assert m.text == "ab"
    path = write_archive(tmp_path / "arch", [{"tweet": {"id_str": "1", "full_text": "x\x00y", "created_at": iso()}}])
    assert read(path, author="me")[0].text == "xy"


# --- round trips (hypothesis) ----------------------------------------------------

SAFE = string.ascii_letters + string.digits + "_-"
IDS = st.text(alphabet=SAFE, min_size=1, max_size=24)
AUTHORS = st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=15)
TEXTS = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200)
TIMES = st.datetimes(
    min_value=datetime(1990, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.one_of(st.timezones(), st.just(UTC))
)
OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    ids = draw(st.lists(IDS, min_size=1, max_size=8, unique=True))
    out = []
    for i in ids:
        when = draw(TIMES)
        style = draw(st.sampled_from(["iso", "iso-utc", "twitter"]))
        if style == "twitter":  # second precision and a fixed offset: the field-by-field path
            when = when.replace(microsecond=0).astimezone(draw(OFFSETS))
            written = when.strftime("%a %b %d %H:%M:%S %z %Y")
        elif style == "iso-utc":
            written = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        else:
            written = when.isoformat()
        author = draw(AUTHORS)
        at = draw(st.booleans())  # a leading '@' is dropped
        out.append({"id": i, "author": author, "written_author": "@" + author if at else author, "text": draw(TEXTS), "when": when, "written": written})
    return out


def _check(got: list[ParsedMessage], recs: list[dict[str, Any]]) -> None:
    assert [m.platform_id for m in got] == [r["id"] for r in recs]
    assert [m.author for m in got] == [r["author"] for r in recs]
    assert [m.text for m in got] == [r["text"] for r in recs]
    assert [m.created_at for m in got] == [r["when"].astimezone(UTC) for r in recs]
    assert all(m.created_at.tzinfo is UTC for m in got)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roundtrip")


@PROPS
@given(recs=records(), crlf=st.booleans(), quote_all=st.booleans())
def test_csv_round_trip(scratch: Path, recs: list[dict[str, Any]], crlf: bool, quote_all: bool) -> None:
    # With a "\n" line ending the csv module leaves a bare "\r" unquoted, which
    # no reader can take back (csv.reader itself cannot): quote everything then.
    quoting = csv.QUOTE_ALL if quote_all or not crlf else csv.QUOTE_MINIMAL
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "gen.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n", quoting=quoting)
            writer.writerow(["id", "author", "text", "created_at"])
            for r in recs:
                writer.writerow([r["id"], r["written_author"], r["text"], r["written"]])
        got = read(path)
        _check(got, recs)
        # Each record's line is where it starts: the lines before it hold the header and earlier records.
        body = path.read_bytes().decode("utf-8")
        starts = [m.line for m in got]
        assert starts[0] == 2
        assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
        for m in got:
            assert body.split("\n")[m.line - 1].startswith((m.platform_id + ",", '"' + m.platform_id + '"'))


@PROPS
@given(recs=records(), blank=st.booleans())
def test_jsonl_round_trip(scratch: Path, recs: list[dict[str, Any]], blank: bool) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "gen.jsonl"
        lines = [json.dumps({"id": r["id"], "author": r["written_author"], "text": r["text"], "created_at": r["written"]}) for r in recs]
        sep = "\n\n" if blank else "\n"
        path.write_text(sep.join(lines) + "\n", encoding="utf-8")
        got = read(path)
        _check(got, recs)
        assert [m.line for m in got] == [1 + (2 if blank else 1) * i for i in range(len(recs))]


@PROPS
@given(recs=records())
def test_json_array_round_trip(scratch: Path, recs: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "gen.json"
        body = [{"id": r["id"], "author": r["written_author"], "text": r["text"], "created_at": r["written"]} for r in recs]
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        _check(read(path), recs)


@PROPS
@given(lines=st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00\n\r"), min_size=1, max_size=50), max_size=10))
def test_text_round_trip(scratch: Path, lines: list[str]) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "gen.txt"
        path.write_bytes("\n".join(lines).encode("utf-8"))
        got = read(path)
        kept = [line for line in lines if line.strip()]
        assert [m.text for m in got] == kept
        assert len({m.platform_id for m in got}) == len(kept)
        assert [m.platform_id for m in read(path)] == [m.platform_id for m in got]


# --- garbage never crashes ---------------------------------------------------------

BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]
GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=200).map(lambda b: HEADER.encode() + b),
    st.binary(max_size=200).map(lambda b: b'{"id": "1", "author": "a", "text": "t", "created_at": "2024-01-01T00:00:00Z"}\n' + b),
    st.tuples(st.sampled_from(BOMS), st.binary(max_size=100)).map(lambda t: t[0] + t[1]),
    st.binary(max_size=200).map(lambda b: TWCS_HEADER.encode() + b),
    st.binary(max_size=200).map(lambda b: b"window.YTD.tweets.part0 = [" + b),
)


def _consume(path: Path, **options: Any) -> None:
    try:
        for m in read_messages(path, ImportOptions(**options)):
            assert isinstance(m, ParsedMessage)
            assert m.created_at.tzinfo is UTC
            assert "\x00" not in m.text + m.author + m.platform_id
            assert all(isinstance(x, str) for x in m.mentions + m.hashtags + m.links)
            orjson.dumps([m.metrics, m.mentions, m.hashtags, m.links, m.raw])  # what ingest stores
    except (ImportFileError, ConfigError) as exc:
        assert str(exc)
        if isinstance(exc, ImportFileError):
            assert exc.path == str(path)


@PROPS
@given(content=GARBAGE, name=st.sampled_from(["g.csv", "g.jsonl", "g.json", "g.txt", "tweets.js"]))
def test_arbitrary_bytes_give_a_clear_error_never_a_crash(scratch: Path, content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        _consume(path, author="me")


@PROPS
@given(content=GARBAGE, fmt=st.sampled_from(FORMATS), encoding=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "cp1252", "ascii"]))
def test_arbitrary_bytes_in_any_format_and_encoding(scratch: Path, content: bytes, fmt: str, encoding: str | None) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "g.dat"
        path.write_bytes(content)
        _consume(path, format=fmt, encoding=encoding, author="me")


@PROPS
@given(cells=st.lists(st.lists(st.text(max_size=20), min_size=4, max_size=4), max_size=6), extra=st.sampled_from(["", "likes", "kind", "is_brand", "reply_to", "platform"]))
def test_arbitrary_cells_give_a_clear_error_never_a_crash(scratch: Path, cells: list[list[str]], extra: str) -> None:
    header = ["id", "author", "text", "created_at"]
    if extra:
        header[0] = extra
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "cells.csv"
        with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as fh:
            csv.writer(fh).writerows([header, *cells])
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            assume(False)
        _consume(path)
        path = Path(folder) / "cells.jsonl"
        path.write_text("".join(json.dumps(dict(zip(header, row, strict=True))) + "\n" for row in cells), encoding="utf-8")
        _consume(path)


def test_line_numbers_are_independent_of_buffering(tmp_path: Path) -> None:
    # Records spread over many lines, long enough to cross any read buffer.
    rows = [["id", "author", "text", "created_at"]]
    expected_lines = []
    line = 2
    for i in range(200):
        text = "\n".join(["y" * (i * 37 % 5000)] * (i % 4 + 1))
        rows.append([str(i), "a", text, iso(i)])
        expected_lines.append(line)
        line += text.count("\n") + 1
    path = write(tmp_path / "long.csv", csv_text(rows).replace("\r\n", "\n"))
    assert [m.line for m in read(path)] == expected_lines


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
FIELD_NAMES = st.sampled_from(["id", "author", "text", "created_at", "reply_to", "kind", "is_brand", "likes", "platform", "url", "author_name"])


@PROPS
@given(records=st.lists(st.dictionaries(FIELD_NAMES, JSON_VALUES | st.sampled_from(["2024-01-01T00:00:00Z", "alice", "1", ""])), max_size=5))
def test_arbitrary_json_values_give_a_clear_error_never_a_crash(scratch: Path, records: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        path = Path(folder) / "values.jsonl"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        _consume(path)
        path = Path(folder) / "values.json"
        path.write_bytes(orjson.dumps(records))
        _consume(path)
        tweets = [{"tweet": {k.replace("text", "full_text").replace("id", "id_str"): v for k, v in r.items()}} for r in records]
        path = Path(folder) / "tweets.js"
        path.write_bytes(b"window.YTD.tweets.part0 = " + orjson.dumps(tweets))
        _consume(path, author="me")
