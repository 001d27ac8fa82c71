"""Mentions, hashtags and links pulled out of message text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.domain.text import hashtags, links, mentions

# --- mentions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice hi", ["alice"]),
        ("hi @alice and @bob_2", ["alice", "bob_2"]),
        ("@sprintcare is the worst", ["sprintcare"]),
        ("@115712 I understand", ["115712"]),  # twcs anonymised customer ids
        ("thanks @alice!", ["alice"]),
        ("thanks @alice.", ["alice"]),
        ("(@alice)", ["alice"]),
        ("@alice's bike", ["alice"]),
        ("@alice:@bob", ["alice", "bob"]),
        (".@alice you said", ["alice"]),  # the "dot reply" idiom: a public mention
        ("RT @alice: great", ["alice"]),
        ("@alice.bsky.social hi", ["alice.bsky.social"]),  # Bluesky handles are domains
    ],
)
def test_twitter_style_mentions(text: str, expected: list[str]) -> None:
    assert mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@user@server.example hi", ["user@server.example"]),
        ("cc @halcyon@bikes.example.", ["halcyon@bikes.example"]),
        ("@a@mastodon.social and @b@fosstodon.org", ["a@mastodon.social", "b@fosstodon.org"]),
        ("@user@host-name.example.co.uk", ["user@host-name.example.co.uk"]),
    ],
)
def test_fediverse_mentions(text: str, expected: list[str]) -> None:
    assert mentions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "write to a@b.com",
        "first.last@example.com",
        "support+bikes@halcyon.example",
        "user_name@server.example",
        "no at sign here",
        "@",
        "@ alice",
        "email@",
        "https://x.com/@foo",
        "https://mastodon.social/@user@other.example",
        "https://example.com/search?q=@bob",
        "https://example.com/p?who=x&at=@bob,@carol",
        "see <https://example.com/@bob>",
    ],
)
def test_not_mentions(text: str) -> None:
    assert mentions(text) == []


def test_mentions_beside_a_link_still_count() -> None:
    assert mentions("@alice see https://example.com/@bob and @carol") == ["alice", "carol"]


def test_mentions_dedup_keeps_first_spelling_and_order() -> None:
    # Handles are case-insensitive, so @Alice and @alice are one account.
    assert mentions("@bob @Alice @bob @alice @carol @ALICE") == ["bob", "Alice", "carol"]


# --- hashtags ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#bikes", ["bikes"]),
        ("love my #Halcyon bike #rideon!", ["Halcyon", "rideon"]),
        ("#café au lait", ["café"]),
        ("#日本 #東京タワー", ["日本", "東京タワー"]),
        ("#Москва", ["Москва"]),
        ("#हिन्दी", ["हिन्दी"]),  # Devanagari: vowel signs are combining marks
        ("#ภาษาไทย", ["ภาษาไทย"]),
        ("#cafe\u0301 decomposed", ["cafe\u0301"]),  # a combining accent stays in the tag
        ("#2024goals", ["2024goals"]),
        ("#a1 #1a", ["a1", "1a"]),
        ("#snake_case", ["snake_case"]),
        ("#_private", ["_private"]),
        ("＃fullwidth", ["fullwidth"]),
        ("#tag.", ["tag"]),
        ("(#tag)", ["tag"]),
        ("#one,#two", ["one", "two"]),
    ],
)
def test_hashtags(text: str, expected: list[str]) -> None:
    assert hashtags(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we&#39;re sorry",  # an HTML entity left in the text
        "we&#x27;re sorry",
        "you&#039;ll",
        "#1",
        "we are #1!",
        "#2024",
        "#_",
        "#_1",
        "# spaced",
        "#",
        "issue#42",
        "C#sharp",  # '#' inside a word
        "https://example.com/page#section",
        "https://example.com/#anchor",
        "https://example.com/?q=x&tag=#notatag",
    ],
)
def test_not_hashtags(text: str) -> None:
    assert hashtags(text) == []


def test_hashtags_dedup_is_case_insensitive_and_keeps_first_spelling() -> None:
    assert hashtags("#Bikes #rain #bikes #BIKES #Rain #sun") == ["Bikes", "rain", "sun"]


# --- links -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com", ["https://example.com"]),
        ("see http://example.com/a?b=c&d=e#f", ["http://example.com/a?b=c&d=e#f"]),
        ("HTTPS://EXAMPLE.COM/X", ["HTTPS://EXAMPLE.COM/X"]),
        ("go to https://example.com/x.", ["https://example.com/x"]),
        ("go to https://example.com/x, then", ["https://example.com/x"]),
        ("really? https://example.com/x?!", ["https://example.com/x"]),
        ("quote 'https://example.com/x'", ["https://example.com/x"]),
        ('said "https://example.com/x"', ["https://example.com/x"]),
        ("(see https://example.com/x)", ["https://example.com/x"]),
        ("(see https://example.com/x).", ["https://example.com/x"]),
        ("[https://example.com/x]", ["https://example.com/x"]),
        ("<https://example.com/x>", ["https://example.com/x"]),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("https://en.wikipedia.org/wiki/Foo_(bar).", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("https://example.com/path/ trailing slash kept", ["https://example.com/path/"]),
        ("https://例え.jp/パス", ["https://例え.jp/パス"]),
        ("a https://t.co/znUu1VJn9r\nb", ["https://t.co/znUu1VJn9r"]),
    ],
)
def test_links(text: str, expected: list[str]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    ["no links", "ftp://example.com/file", "example.com", "https://", "https://.", "see https://...!", "://x"],
)
def test_not_links(text: str) -> None:
    assert links(text) == []


def test_links_dedup_and_order() -> None:
    text = "https://b.example/1 https://a.example/2, https://b.example/1. https://c.example"
    assert links(text) == ["https://b.example/1", "https://a.example/2", "https://c.example"]


def test_all_three_in_one_tweet() -> None:
    text = "@halcyonbikes my #ebike broke again 😡 https://example.com/photo.jpg #fail @alice@bikes.example"
    assert mentions(text) == ["halcyonbikes", "alice@bikes.example"]
    assert hashtags(text) == ["ebike", "fail"]
    assert links(text) == ["https://example.com/photo.jpg"]


def test_empty_text() -> None:
    assert mentions("") == hashtags("") == links("") == []


def test_long_text_is_quick() -> None:
    text = ("@a #b https://c.example/d " * 5000) + "#" * 50_000 + "@" * 50_000 + "x" * 100_000
    assert mentions(text) == ["a"]
    assert hashtags(text) == ["b"]
    assert links(text) == ["https://c.example/d"]


# --- properties --------------------------------------------------------------

# Text that is likely to contain the characters the extractors care about.
_SPECIAL = st.sampled_from(
    ["@", "#", "＃", "&", ".", "/", ":", "(", ")", "https://", "http://", "a", "Z", "_", "1", " ", "\n", "é", "\u0301", "日", "-"]
)
TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(_SPECIAL, st.text(max_size=3)), max_size=40).map("".join),
)
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(TEXTS)
def test_never_raises_and_results_are_substrings(text: str) -> None:
    for extract in (mentions, hashtags, links):
        found = extract(text)
        assert isinstance(found, list)
        for item in found:
            assert isinstance(item, str)
            assert item
            assert item in text


@PROPS
@given(TEXTS)
def test_results_have_no_duplicates(text: str) -> None:
    ms, hs, ls = mentions(text), hashtags(text), links(text)
    assert len(ls) == len(set(ls))
    assert len({m.casefold() for m in ms}) == len(ms)
    assert len({h.casefold() for h in hs}) == len(hs)


@PROPS
@given(TEXTS)
def test_shapes(text: str) -> None:
    for m in mentions(text):
        assert "@" + m in text
        assert not m.startswith("@")
    for h in hashtags(text):
        assert ("#" + h in text) or ("＃" + h in text)
        assert any(c.isalpha() for c in h), h  # never purely numeric
        assert not any(c.isspace() for c in h)
    for link in links(text):
        assert link.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() for c in link)
        assert link[-1] not in ".,;:!?'\""
        assert link.split("://", 1)[1]


@PROPS
@given(TEXTS, TEXTS)
def test_order_follows_first_appearance(a: str, b: str) -> None:
    # What is found in `a` alone comes first when `b` is appended after a space.
    joined = a + " \n " + b
    for extract in (mentions, hashtags, links):
        first = extract(a)
        assert extract(joined)[: len(first)] == first


def test_combining_marks_are_not_word_breaks() -> None:
    word = unicodedata.normalize("NFD", "crème brûlée")
    assert hashtags("#" + word.replace(" ", "")) == [word.replace(" ", "")]
