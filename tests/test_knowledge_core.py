"""The knowledge base's pure parts: reading article files, and ranking articles for a message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from goodwill.domain.knowledge import Article
from goodwill.errors import ImportFileError
from goodwill.inbox.articles import read_articles, read_queries
from goodwill.inbox.knowledge import Ranker, url_words
from goodwill.understand.encoder import load_encoder

ARTICLES = [
    Article("battery-care", "Looking after your battery",
            "Charge the battery at room temperature. A battery that will not charge may need a reset.",
            "https://help.example.com/battery-care", ("battery",)),
    Article("refunds", "Refunds and returns", "Return a bike within 30 days for a full refund of the price.",
            "https://help.example.com/refunds", ("orders", "money")),
    Article("shipping", "Shipping times", "Orders ship within two working days; tracking comes by email.",
            "https://help.example.com/shipping-times", ("orders",)),
    Article("brakes", "Adjusting disc brakes", "Squeaking or rubbing brakes: how to align the caliper.",
            "https://help.example.com/disc-brakes", ("repair",)),
]


def test_url_words_keep_the_path_words_and_drop_ids_and_endings() -> None:
    assert url_words("https://help.example.com/en/battery-care_guide.html?x=1") == "en battery care guide"
    assert url_words("https://support.example.com/answer/185111") == "answer"
    assert url_words("") == ""


@pytest.mark.parametrize("with_encoder", [False, True])
def test_the_article_sharing_the_message_words_comes_first(with_encoder: bool) -> None:
    ranker = Ranker(ARTICLES, embed=load_encoder().embed if with_encoder else None)
    ranked = ranker.rank("my battery will not charge any more", top=4)
    assert ARTICLES[ranked[0].index].id == "battery-care"
    assert ranked[0].score > ranked[1].score
    assert "'battery'" in ranked[0].reason and "'charge'" in ranked[0].reason
    assert ("in meaning" in ranked[0].reason) is with_encoder
    assert [ARTICLES[r.index].id for r in ranker.rank("when does my order ship", top=1)] == ["shipping"]


def test_a_tag_restricts_the_suggestions_to_its_articles() -> None:
    ranker = Ranker(ARTICLES)
    ids = [ARTICLES[r.index].id for r in ranker.rank("battery refund", tag="Orders", top=10)]
    assert ids == ["refunds", "shipping"]
    assert ranker.rank("battery", tag="no such tag") == []


def test_without_shared_words_the_encoder_orders_the_articles() -> None:
    def embed(texts: list[str]) -> np.ndarray:
        # a toy encoder: a text's vector points at "money" when it talks about money
        return np.asarray([[1.0, 0.0] if ("refund" in t.lower() or "cash" in t.lower()) else [0.0, 1.0] for t in texts],
                          dtype=np.float32)

    ranker = Ranker(ARTICLES, embed=embed)
    ranked = ranker.rank("cash", top=2)
    assert ARTICLES[ranked[0].index].id == "refunds"
    assert ranked[0].lexical == 0.0 and ranked[0].meaning == pytest.approx(1.0)
    assert ranked[0].reason.startswith("shares no words; close in meaning")


def test_stored_vectors_are_used_as_given() -> None:
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return np.ones((len(texts), 3), dtype=np.float32)

    Ranker(ARTICLES, vectors=np.ones((4, 3), dtype=np.float32), embed=embed).rank("hello", top=1)
    assert calls == [1]  # the message only
    with pytest.raises(ValueError, match="3 vectors for 4 articles"):
        Ranker(ARTICLES, vectors=np.ones((3, 3), dtype=np.float32), embed=embed)


def test_the_encoder_reads_a_message_once_however_often_it_is_ranked() -> None:
    encoder = load_encoder()
    calls: list[list[str]] = []

    def counted(texts):  # type: ignore[no-untyped-def]
        calls.append(list(texts))
        return encoder.embed(texts)

    ranker = Ranker(ARTICLES, embed=counted)
    calls.clear()  # the articles' own vectors, read when the ranker is built
    first = ranker.rank("my battery will not charge any more", top=4)
    again = ranker.rank("my battery will not charge any more", top=4)
    other = ranker.rank("where is my refund", top=4)
    assert again == first and other != first
    assert calls == [["my battery will not charge any more"], ["where is my refund"]]
    fresh = Ranker(ARTICLES, embed=encoder.embed).rank("my battery will not charge any more", top=4)
    assert fresh == first


def test_an_empty_knowledge_base_suggests_nothing() -> None:
    assert Ranker([]).rank("anything") == []
    assert Ranker(ARTICLES).rank("the and of", top=2)[0].lexical == 0.0  # stop words only: no word match


def test_jsonl_articles_are_read_with_their_fields(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": 7, "title": " Shipping  times ", "body": "Two days.", "url": "https://x.example/s", '
                    '"tags": "Orders, ,Shipping"}\n\n{"id": "b", "title": "B", "extra": 1}\n', encoding="utf-8")
    found = read_articles(path)
    assert found[0] == Article("7", "Shipping times", "Two days.", "https://x.example/s", ("orders", "shipping"))
    assert found[1] == Article("b", "B")


@pytest.mark.parametrize(("line", "field", "problem"), [
    ('{"title": "T"}', "id", "missing"),
    ('{"id": "a"}', "title", "missing"),
    ('{"id": "a", "title": "T", "url": "ftp://x"}', "url", "not an http or https address"),
    ('{"id": "a", "title": "T", "tags": [1]}', "tags", "list of texts"),
    ('{"id": "a", "title": "T", "body": 3}', "body", "must be text"),
    ('{"id": "' + "x" * 201 + '", "title": "T"}', "id", "1-200 characters"),
])
def test_a_bad_jsonl_article_is_named_by_file_line_and_field(tmp_path: Path, line: str, field: str, problem: str) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "ok", "title": "Fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        read_articles(path)
    assert (caught.value.line, caught.value.field) == (2, field)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_broken_json_and_duplicate_ids_are_named(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "a", "title": "A"}\n{"id": "a",\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 2: not a JSON object"):
        read_articles(path)
    path.write_text('{"id": "a", "title": "A"}\n{"id": "b", "title": "B"}\n{"id": "a", "title": "C"}\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 3, field 'id': 'a' is also the id of the article at line 1"):
        read_articles(path)


def test_markdown_articles_take_front_matter_or_the_first_heading(tmp_path: Path) -> None:
    folder = tmp_path / "help"
    (folder / "battery").mkdir(parents=True)
    (folder / "battery" / "care.md").write_text("# Battery care\n\nCharge it indoors.\n", encoding="utf-8")
    (folder / "refunds.md").write_text(
        "---\nid: refund-policy\ntitle: Refunds\nurl: https://help.example.com/refunds\ntags: [Money]\n---\nThirty days.\n",
        encoding="utf-8")
    (folder / "notes.txt").write_text("not an article", encoding="utf-8")
    found = {a.id: a for a in read_articles(folder)}
    assert found["battery/care"] == Article("battery/care", "Battery care", "Charge it indoors.")
    assert found["refund-policy"] == Article("refund-policy", "Refunds", "Thirty days.", "https://help.example.com/refunds", ("money",))
    assert read_articles(folder / "refunds.md")[0].id == "refund-policy"


def test_bad_markdown_is_named_by_its_file(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("no heading here\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="x.md, field 'title': no title"):
        read_articles(path)
    path.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unreadable front matter"):
        read_articles(path)
    with pytest.raises(ImportFileError, match="no Markdown files"):
        read_articles(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else tmp_path)
    with pytest.raises(ImportFileError, match="no such file"):
        read_articles(tmp_path / "missing.jsonl")


def test_queries_need_a_text(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"text": "hi", "tag": "orders", "id": 3}\n\n{"tag": "x"}\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 3, field 'text'"):
        read_queries(path)
    path.write_text('{"text": "hi", "tag": "orders", "id": 3}\n\n{"text": "yo"}\n', encoding="utf-8")
    assert read_queries(path) == [(1, "hi", "orders", 3), (3, "yo", None, None)]
