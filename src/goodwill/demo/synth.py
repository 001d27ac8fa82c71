"""Large, seeded, realistic synthetic social-media workspaces.

`generate(n)` streams `n` message records in the generic import format for a
fictional e-bike brand: customers asking about battery range, app logins,
deliveries and warranties, complaining, praising, shopping around and simply
chatting about cycling, on twitter, mastodon, bluesky, reddit and a review
site; the brand answering most (not all) of the questions and complaints and
posting now and then.

What makes it realistic enough to benchmark and demo with:

* People: about n/8 of them, with heavy-tailed (Pareto) activity, so most
  post once or twice and a few post hundreds of times. Popular people are
  also mentioned and replied to more.
* Conversations: every thread is planned when its first message is, so reply
  chains have sensible shapes (brand answer, customer answers back, other
  users join) and a reply always comes after its parent, minutes to a day or
  two later (the support team keeps office hours). About 40% of messages are
  replies; the brand writes about 8% and answers about two thirds of the
  questions and complaints.
* Time: a daily rhythm (quiet nights, late-morning and evening peaks), a
  weekly one (weekends differ), day-to-day noise and one app-outage day.

The stream is yielded in chronological order and ids are numbered in that
order (`s1`, `s2`, ...), so every `reply_to` names a record yielded earlier.
A shuffled list is put back into a valid order by sorting on `order_key`.

What people write comes from phrase tables kept as data: the TOML files in
`phrases/` beside this module (names, slot values such as bike models and
cities, questions and complaints per topic, replies, reviews), read once on
import. The numbers, probabilities and shapes of conversations live here.

Speed and memory: phrase templates are filled in ahead of time, and thread
shapes are drawn once per kind of conversation (a pool of a few hundred
each) and then reused with fresh people, texts and times, so that a million
records take seconds in pure Python. Only the messages of open threads are
held, so memory does not grow with n beyond the population of people.
"""

from __future__ import annotations

import csv
import heapq
import json
import math
import random
import tomllib
from bisect import bisect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import Any

__all__ = ["FIELDS", "PLATFORMS", "brand_handles", "generate", "order_key", "write_csv", "write_jsonl"]

FIELDS: tuple[str, ...] = (
    "id", "platform", "author", "author_name", "text", "created_at",
    "reply_to", "kind", "is_brand", "likes", "reposts", "replies",
)
PLATFORMS: tuple[str, ...] = ("twitter", "mastodon", "bluesky", "reddit", "reviews")
_PLATFORM_WEIGHTS = (50, 15, 15, 12, 8)
DEFAULT_START = datetime(2026, 8, 1, tzinfo=UTC)

Record = dict[str, Any]

# ---------------------------------------------------------------------------
# Phrase tables: TOML files in phrases/ beside this module, read once on
# import. people.toml: names and handle words; world.toml: slot values,
# hashtags, emoji; topics.toml: what customers ask and complain about;
# conversations.toml: everything else people and the brand write.
# ---------------------------------------------------------------------------

_PHRASE_FILES = resources.files("goodwill.demo") / "phrases"


def _read_phrases(name: str) -> dict[str, Any]:
    """One phrase file, parsed; a malformed file is an error naming it."""
    try:
        with (_PHRASE_FILES / name).open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"demo/phrases/{name}: {exc}") from exc


_PHRASES_READ: dict[str, set[str]] = {}  # file -> dotted names of the tables read from it


def _leaves(table: dict[str, Any], prefix: str = "") -> set[str]:
    """Dotted names of the values in a parsed file that are not tables themselves."""
    names: set[str] = set()
    for key, value in table.items():
        names |= _leaves(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return names


def _strings(name: str, table: dict[str, Any], *path: str) -> tuple[str, ...]:
    """The list of strings at `path` in a phrase file's `table`, as a tuple."""
    _PHRASES_READ.setdefault(name, set()).add(".".join(path))
    value: Any = table
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"demo/phrases/{name}, field {'.'.join(path)!r}: expected a non-empty list of strings")
    return tuple(value)


Topic = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _topic(name: str, table: dict[str, Any], topic: str) -> Topic:
    """(help page, questions, complaints, brand answers, peer answers) of one topic."""
    entry = table[topic]
    page = entry.get("help_page") if isinstance(entry, dict) else None
    _PHRASES_READ.setdefault(name, set()).add(f"{topic}.help_page")
    if not isinstance(page, str) or not page:
        raise ValueError(f"demo/phrases/{name}, field '{topic}.help_page': expected the help page's name")

    def strings(key: str) -> tuple[str, ...]:
        return _strings(name, table, topic, key)

    return page, strings("questions"), strings("complaints"), strings("brand_answers"), strings("peer_answers")


_people = _read_phrases("people.toml")
_FIRST = _strings("people.toml", _people, "first_names")
_LAST = _strings("people.toml", _people, "last_names")
_WORDS = _strings("people.toml", _people, "handle_words")
_INSTANCES = _strings("people.toml", _people, "mastodon_instances")
_NAME_EMOJI = _strings("people.toml", _people, "name_emoji")

_world = _read_phrases("world.toml")
_HASHTAGS = _strings("world.toml", _world, "hashtags")
_EMOJI = _strings("world.toml", _world, "emoji")
_MENTION_FORMS = _strings("world.toml", _world, "mention_forms")
_BRAND_POST_SLUGS = _strings("world.toml", _world, "brand_post_pages")
# {slot} -> the values it is filled with ({model}, {city}, ...)
_WORD_SLOTS: dict[str, tuple[str, ...]] = {slot: _strings("world.toml", _world, "slots", slot) for slot in _world.get("slots", {})}
_AGENTS = _WORD_SLOTS["agent"]

# topic -> (help-page slug, questions, complaints, brand answers, peer answers)
_topics = _read_phrases("topics.toml")
_TOPICS = {topic: _topic("topics.toml", _topics, topic) for topic in _topics}

_conv = _read_phrases("conversations.toml")


def _conversation(key: str) -> tuple[str, ...]:
    return _strings("conversations.toml", _conv, key)


_PRAISE = _conversation("praise")
_SUGGESTIONS = _conversation("suggestions")
_PURCHASE = _conversation("purchase")
_CHATTER = _conversation("chatter")
_NOISE = _conversation("noise")
_REDDIT_CONTEXT = _conversation("reddit_context")
_FOREIGN = _conversation("foreign")
_BRAND_GREET = _conversation("brand_greet")
_BRAND_SORRY = _conversation("brand_sorry")
_BRAND_DM = _conversation("brand_dm")
_BRAND_LINK = _conversation("brand_link")
_BRAND_SIGN = _conversation("brand_sign")
_BRAND_THANKS = _conversation("brand_thanks")
_BRAND_SUGGESTION = _conversation("brand_suggestion")
_BRAND_PURCHASE = _conversation("brand_purchase")
_BRAND_FOLLOWUP = _conversation("brand_followup")
_BRAND_CLOSE = _conversation("brand_close")
_BRAND_POSTS = _conversation("brand_posts")
_FOLLOW_GOOD = _conversation("follow_good")
_FOLLOW_BAD = _conversation("follow_bad")
_BUMP = _conversation("bump")
_PEER_SAME = _conversation("peer_same")
_PEER_CHAT = _conversation("peer_chat")
_PEER_BACK = _conversation("peer_back")
_PEER_RECOMMEND = _conversation("peer_recommend")
_FANS = _conversation("fans")
_REVIEW_TITLES = {stars: _strings("conversations.toml", _conv, "review_titles", str(stars)) for stars in range(1, 6)}
_REVIEW_BODIES = {stars: _strings("conversations.toml", _conv, "review_bodies", str(stars)) for stars in range(1, 6)}


def _check_all_read(files: dict[str, dict[str, Any]]) -> None:
    """A misspelt or forgotten table would otherwise be ignored without a word."""
    for name, table in files.items():
        unread = sorted(_leaves(table) - _PHRASES_READ.get(name, set()))
        if unread:
            raise ValueError(f"demo/phrases/{name}: tables the generator does not use: {', '.join(unread)}")


_check_all_read({"people.toml": _people, "world.toml": _world, "topics.toml": _topics, "conversations.toml": _conv})

# How often each topic comes up, relative to the others.
_TOPIC_SHARES = {"battery": 30, "app": 22, "delivery": 20, "warranty": 12, "service": 10, "sizing": 6}
if set(_TOPICS) != set(_TOPIC_SHARES):
    raise ValueError(f"demo/phrases/topics.toml: expected the topics {', '.join(_TOPIC_SHARES)}, found {', '.join(_TOPICS)}")
_TOPIC_NAMES = tuple(_TOPICS)
_TOPIC_WEIGHTS = tuple(_TOPIC_SHARES[topic] for topic in _TOPIC_NAMES)

# ---------------------------------------------------------------------------
# Conversation starters and how each kind of thread tends to unfold
# ---------------------------------------------------------------------------

_CATEGORIES = ("question", "complaint", "praise", "suggestion", "purchase", "chatter", "noise", "brand_post")
_CATEGORY_WEIGHTS: dict[str, tuple[float, ...]] = {
    "social": (0.044, 0.029, 0.10, 0.030, 0.060, 0.25, 0.470, 0.017),
    "reddit": (0.068, 0.027, 0.05, 0.030, 0.100, 0.20, 0.517, 0.008),
}
# category -> (phrases, chance the brand is mentioned, chance the brand joins, brand phrases, reply rate)
_CHAT: dict[str, tuple[tuple[str, ...], float, float, tuple[str, ...], float]] = {
    "praise": (_PRAISE, 0.60, 0.08, _BRAND_THANKS, 0.085),
    "suggestion": (_SUGGESTIONS, 0.70, 0.25, _BRAND_SUGGESTION, 0.09),
    "purchase": (_PURCHASE, 0.45, 0.25, _BRAND_PURCHASE, 0.19),
    "chatter": (_CHATTER, 0.30, 0.012, _BRAND_THANKS, 0.086),
    "noise": (_NOISE, 0.0, 0.0, _BRAND_THANKS, 0.086),
}
_BRAND_TO_FANS = _BRAND_PURCHASE + _BRAND_CLOSE
_FOLLOW_ANY = _FOLLOW_BAD + _FOLLOW_GOOD
_FOLLOW_ESCALATE = _FOLLOW_BAD[2:]
_DRESSING_BITS = 10
_DRESSINGS = 1 << _DRESSING_BITS  # pre-drawn ways of dressing up a post, per platform and mention rate
_MICROBLOGS = frozenset({"twitter", "mastodon", "bluesky"})

# Assumed messages per conversation before any are planned (adapted as we go).
_PRIOR_THREAD_SIZE = {"twitter": 1.7, "mastodon": 1.7, "bluesky": 1.7, "reddit": 2.2, "reviews": 1.25}


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


class _SlotsBase(dict[str, str]):
    """A template context that fills a slot the first time a template uses it.

    Subclassed per generator so that `specs` and `rnd` are class attributes.
    """

    __slots__ = ()
    specs: dict[str, Any] = {}
    rnd: Callable[[], float]

    def __missing__(self, key: str) -> str:
        spec = self.specs[key]
        if type(spec) is tuple:
            value: str = spec[int(self.rnd() * len(spec))]
        else:
            value = spec(self.rnd())
        self[key] = value
        return value


def _split_brand(brand: str) -> tuple[str, str]:
    """'halcyonbikes' -> ('halcyon', 'bikes'); a brand with no known suffix -> (brand, '')."""
    for suffix in ("bikes", "bike", "cycles", "motors", "shop", "store", "app", "labs", "hq", "co"):
        if brand.endswith(suffix) and len(brand) > len(suffix):
            return brand[: -len(suffix)].rstrip("_.-"), suffix
    return brand, ""


def brand_handles(brand: str) -> dict[str, str]:
    """The brand's handle per platform: 'halcyonbikes' is 'halcyon@bikes.example' on mastodon."""
    head, suffix = _split_brand(brand)
    fedi = f"{head}@{suffix}.example" if suffix else f"{brand}@social.example"
    return {
        "twitter": brand,
        "mastodon": fedi,
        "bluesky": f"{brand}.bsky.social",
        "reddit": brand,
        "reviews": brand,
    }


def _brand_display_name(brand: str) -> str:
    head, suffix = _split_brand(brand)
    return f"{head.title()} {suffix.title()}".strip()


def order_key(record: dict[str, Any]) -> tuple[str, int]:
    """Sort key that puts a shuffled list of records back into a valid order.

    Records sort by time, then by stream position; a reply is always at least
    thirty seconds younger than its parent, so parents come first.
    """
    return record["created_at"], int(str(record["id"])[1:])


def _utc(start: datetime | None) -> datetime:
    if start is None:
        return DEFAULT_START
    if start.tzinfo is None:
        return start.replace(tzinfo=UTC)
    return start.astimezone(UTC)


# The shape of a week, hour by hour (UTC): weekday and weekend profiles.
_WEEKDAY_HOURS = (
    0.20, 0.12, 0.08, 0.06, 0.06, 0.12, 0.35, 0.70, 0.95, 1.00, 1.15, 1.25,
    1.20, 1.05, 0.95, 0.90, 0.95, 1.05, 1.15, 1.30, 1.35, 1.20, 0.85, 0.45,
)
_WEEKEND_HOURS = (
    0.30, 0.20, 0.12, 0.08, 0.06, 0.08, 0.15, 0.30, 0.55, 0.85, 1.10, 1.25,
    1.30, 1.25, 1.20, 1.10, 1.05, 1.05, 1.05, 1.10, 1.05, 0.95, 0.75, 0.50,
)

_DAY = 86400
_MIN_GAP = 30  # a reply is at least this many seconds after its parent
_MAX_GAP = 2 * _DAY  # and at most this many
_MMSS = tuple(f"{m:02d}:{s:02d}Z" for m in range(60) for s in range(60))
_TABLE_BITS = 13
_TABLE = 1 << _TABLE_BITS  # size of the pre-drawn tables below: one getrandbits() per draw


def _lognormal_table(mu: float, sigma: float, lo: int, hi: int) -> tuple[int, ...]:
    """Quantiles of a clipped log-normal, so a draw is one getrandbits() and an index."""
    inv = NormalDist().inv_cdf
    return tuple(min(hi, lo + int(math.exp(mu + sigma * inv((i + 0.5) / _TABLE)))) for i in range(_TABLE))


_CUSTOMER_DELAYS = _lognormal_table(7.2, 1.5, _MIN_GAP, _MAX_GAP)  # median ~22 min
_BRAND_WORK = _lognormal_table(7.0, 1.0, _MIN_GAP, 6 * 3600)  # median ~18 min in office hours
_BRAND_WORK_WEEKEND = _lognormal_table(7.7, 1.0, _MIN_GAP, 8 * 3600)
# Engagement: Pareto quantiles minus one, so most messages get no likes and a few get many.
_LIKES = tuple((1.0 - (i + 0.5) / _TABLE) ** -0.7 - 1.0 for i in range(_TABLE))


@cache
def _likes(scale: float) -> tuple[int, ...]:
    """Like counts for messages of a given reach, as a table to draw from."""
    return tuple(int(scale * x) for x in _LIKES)


_NO_LIKES: tuple[int, ...] = ()
_LIKES_TINY = _likes(0.15)
_LIKES_LOW = _likes(0.2)
_LIKES_REPLY = _likes(0.3)
_LIKES_PEER = _likes(0.4)
_LIKES_BRAND = _likes(0.5)
_LIKES_REVIEW = _likes(0.6)
_LIKES_ASK = _likes(1.5)
_LIKES_BRAND_POST = _likes(12.0)


def _numbers(lo: int, hi: int, step: int = 1, fmt: str = "{}") -> tuple[str, ...]:
    return tuple(fmt.format(v) for v in range(lo, hi + 1, step))


_NUMBER_SLOTS: dict[str, Any] = {
    "km": _numbers(12, 95),
    "km2": _numbers(200, 9000, 100),
    "pct": _numbers(10, 80, 5),
    "days": _numbers(3, 45),
    "weeks": _numbers(2, 9),
    "week": _numbers(1, 52),
    "months": _numbers(1, 30),
    "height": _numbers(152, 201),
    "android": _numbers(8, 15),
    "amount": _numbers(100, 1000, 50, "€{}"),
    "price": _numbers(1500, 4500, 100, "€{}"),
    "initial": tuple(a[0] for a in _AGENTS),
    "first": ("{first}",),  # filled per message with the name of whoever is answered
    "order": lambda u: f"HB-{100000 + int(u * 900000)}",
    "ticket": lambda u: f"#{20000 + int(u * 80000)}",
    "version": lambda u: f"{2 + int(u * 3)}.{int(u * 600) % 20}.{int(u * 7000) % 10}",
}


_BANK_BITS = 9
_BANK = 1 << _BANK_BITS  # filled-in phrases per phrase bank, drawn once per generator
_POOL_BITS = 9
_POOL = 1 << _POOL_BITS  # conversation shapes kept per kind of conversation, then reused


Person = tuple[str, str, str, int, tuple[int, ...]]


class _People:
    """One platform's population: handles, display names, first names and activity weights.

    People are drawn in proportion to their (Pareto) weight with Vose's alias
    method, except that a steady trickle of draws goes to the next person who
    has not posted yet, so nearly the whole population shows up at least once.
    """

    __slots__ = ("info", "weights", "accept", "alias", "index_bits", "size", "fresh", "q", "buf")

    def __init__(self, handles: list[str], names: list[str], firsts: list[str], weights: list[float]) -> None:
        # One tuple per person, so planning a message touches one place in memory:
        # (handle, display name, first name, tier, like table). Popular people
        # start bigger conversations (tier) and get more likes.
        top = len(_FAME_BY_OCTAVE) - 1
        self.info: list[Person] = [
            (handle, name, first, 0 if w < 3.0 else 1 if w < 30.0 else 2, _FAME_BY_OCTAVE[min(int(w).bit_length(), top)])
            for handle, name, first, w in zip(handles, names, firsts, weights, strict=True)
        ]
        self.weights = weights
        self.size = len(handles)
        self.accept, self.alias, self.index_bits = _alias_table(weights)
        self.fresh = 0
        self.q = 0.0
        self.buf: list[int] = []  # upcoming authors, drawn in batches


# Like tables by activity octave: reach grows with the square root of activity.
_FAME_BY_OCTAVE = tuple(_likes(round(0.5 + 0.5 * math.sqrt(1.5 * 2.0 ** (k - 1)), 1)) for k in range(13))
# A typical weight per tier, for how many people reply to a conversation.
_TIER_WEIGHT = (1.6, 9.0, 150.0)


def _alias_table(weights: list[float]) -> tuple[list[int], list[int], int]:
    """Vose's alias method, in integers: draw i with probability weights[i] / sum.

    The table is padded to a power of two so that one getrandbits() call gives
    both the slot (high bits) and the coin (low _COIN_BITS): slot i is kept if
    the coin is below accept[i], else replaced by alias[i]. Padding slots have
    no weight of their own and always pass to their alias.
    """
    size = len(weights)
    index_bits = max(1, (size - 1).bit_length())
    slots = 1 << index_bits
    scale = slots / sum(weights)
    prob = [w * scale for w in weights] + [0.0] * (slots - size)
    alias = list(range(slots))
    small = [i for i, p in enumerate(prob) if p < 1.0]
    large = [i for i, p in enumerate(prob) if p >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        alias[s] = g
        prob[g] += prob[s] - 1.0
        (small if prob[g] < 1.0 else large).append(g)
    heaviest = max(range(size), key=weights.__getitem__)
    for i in small + large:  # left over by rounding: keep their own slot
        prob[i] = 1.0
    for i in range(size, slots):
        if alias[i] >= size or prob[i] > 0.0:  # a padding slot must never be kept
            prob[i], alias[i] = 0.0, heaviest
    one = 1 << _COIN_BITS
    return [min(one, int(p * one)) for p in prob], alias, index_bits


_COIN_BITS = 20
_COIN_MASK = (1 << _COIN_BITS) - 1


# ---------------------------------------------------------------------------
# Conversation shapes
#
# A conversation is planned as a shape: the starting post and a list of nodes
# (parent index, role, delay after the parent, text, like table, whether a
# microblog reply mentions its parent). Roles are people: 0 is whoever
# started it, 1, 2, ... others, -1 the brand. Texts are a phrase bank (drawn
# from per use) or a fixed string; brand texts may say "{first}" for the name
# of whoever they answer; brand delays follow office hours from the parent's
# time. Shapes are kept in pools and reused with fresh people, texts and times.
# ---------------------------------------------------------------------------

Text = str | tuple[str, ...]
Node = tuple[int, int, int, Text, tuple[int, ...], bool]
Dressing = list[tuple[str, str, str, str]]


class _Shape:
    """A planned conversation, reusable (see above)."""

    __slots__ = ("root_role", "root_text", "suffix", "dressing", "root_likes", "nodes", "roles", "support", "size")

    def __init__(
        self, root_role: int, root_text: Text, suffix: str, dressing: Dressing | None,
        root_likes: tuple[int, ...] | None, nodes: list[Node], roles: int, support: int,
    ) -> None:
        self.root_role = root_role
        self.root_text = root_text
        self.suffix = suffix
        self.dressing = dressing
        self.root_likes = root_likes  # None: the author's own reach
        self.nodes = tuple(nodes)
        self.roles = roles
        self.support = support  # 0: not a question/complaint; 1: unanswered; 2: answered by the brand
        self.size = 1 + len(nodes)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------

# What the next conversation is: platform index, platform, people, shape builder, its argument, shape pools.
Kind = tuple[int, str, _People, Callable[[str, Any, int, bool], _Shape], Any, list[list[_Shape]]]


class _Synth:
    """State for one generated stream: people, the clock, and the open threads."""

    # Activity is Pareto(ALPHA) in multiples of the least active person; weights
    # above CAP are spread over [0.4, 1] * CAP so the most active few differ.
    ALPHA = 0.8
    CAP = 2500.0
    DISPATCH_BITS = 13  # resolution of the table that picks what the next conversation is
    QUANTILES = 16384  # resolution of the table that maps stream position to time
    BATCH = 16  # conversations planned at a time

    def __init__(self, n: int, seed: int, brand: str, start: datetime, days: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.rnd = self.rng.random
        self.bits = self.rng.getrandbits
        self.brand = brand
        self.brand_handle = brand_handles(brand)
        self.brand_name = _brand_display_name(brand)
        self.t0 = int(start.timestamp())
        self.end_t = days * _DAY
        # Planned, not yet yielded messages: a heap of keys (time << 32 | sequence)
        # and the message with its parent under each key.
        self.heap: list[int] = []
        self.pending: dict[int, tuple[Record, Record | None]] = {}
        self.planned = 0
        self.stats: dict[str, int] = {"support_roots": 0, "support_answered": 0}
        self._build_clock(days)
        self._build_people(max(50, n // 8))
        self._build_phrases(seed)
        self._topic_cum = list(accumulate(_TOPIC_WEIGHTS))
        self._roots = [0] * len(PLATFORMS)
        self._sizes = [0] * len(PLATFORMS)
        self._dressings: dict[tuple[str, float], Dressing] = {}
        self._kinds: dict[tuple[str, str], Kind] = {}
        self._dispatch: list[Kind] = []
        self._adapt_platforms()

    # -- setup ---------------------------------------------------------------

    def _build_clock(self, days: int) -> None:
        rng = self.rng
        # created_at is "YYYY-MM-DDTHH:" for the hour plus "MM:SSZ" within it.
        self.hour_offset = self.t0 % 3600
        first_hour = datetime.fromtimestamp(self.t0 - self.hour_offset, UTC)
        self.hourstr = [(first_hour + timedelta(hours=h)).strftime("%Y-%m-%dT%H:") for h in range(days * 24 + 2)]
        daily = [rng.uniform(0.85, 1.15) for _ in range(days)]
        outage_day = rng.randrange(days // 3, max(days // 3 + 1, days - 1))
        daily[outage_day] *= 1.8  # an app outage: lots of people asking what's going on
        weights = []
        for b in range(days * 24):
            absolute = self.t0 + b * 3600
            weekday = (absolute // _DAY + 3) % 7  # 1970-01-01 was a Thursday
            profile = _WEEKEND_HOURS if weekday >= 5 else _WEEKDAY_HOURS
            weights.append(profile[(absolute // 3600) % 24] * daily[b // 24])
        self._build_quantiles(weights)
        self.outage = (outage_day * _DAY + 6 * 3600, outage_day * _DAY + 20 * 3600)

    def _build_quantiles(self, weights: list[float]) -> None:
        """Times at which 0, 1/K, 2/K, ... of the stream has happened, for linear interpolation."""
        k = self.QUANTILES
        cum = list(accumulate(weights))
        total = cum[-1]
        times: list[float] = []
        b = 0
        for i in range(k + 1):
            target = min(i / k, 0.999999999) * total
            while cum[b] <= target:
                b += 1
            prev = cum[b - 1] if b else 0.0
            times.append(b * 3600 + (target - prev) / weights[b] * 3600)
        self.qtimes = times
        self.qsteps = [times[i + 1] - times[i] for i in range(k)] + [0.0]
        self.qscale = k / self.n

    def _build_people(self, size: int) -> None:
        total = sum(_PLATFORM_WEIGHTS)
        self.people: dict[str, _People] = {}
        for platform, weight in zip(PLATFORMS, _PLATFORM_WEIGHTS, strict=True):
            people = self._population(platform, max(8, round(size * weight / total)))
            # About 90% of a platform's messages are written by its customers.
            people.q = min(0.9, people.size / (0.9 * self.n * weight / total))
            self.people[platform] = people

    def _population(self, platform: str, count: int) -> _People:
        rnd = self.rnd
        seen = {self.brand_handle[platform].casefold()}
        handles: list[str] = []
        names: list[str] = []
        firsts: list[str] = []
        weights: list[float] = []
        inv_alpha, cap = 1.0 / self.ALPHA, self.CAP
        nf, nl, ne = len(_FIRST), len(_LAST), len(_NAME_EMOJI)
        make = self._handle
        for _ in range(count):
            first = _FIRST[int(rnd() * nf)]
            last = _LAST[int(rnd() * nl)]
            handle = make(platform, first, last, "")
            folded = handle.casefold()
            while folded in seen:
                handle = make(platform, first, last, str(2 + int(rnd() * 9998)))
                folded = handle.casefold()
            seen.add(folded)
            handles.append(handle)
            firsts.append(first)
            r = rnd()
            weight = (1.0 - r) ** -inv_alpha
            weights.append(weight if weight <= cap else cap * (0.4 + 0.6 * rnd()))
            # Display names: mostly "First Last", some just a first name, a few with an emoji.
            r = rnd()
            if platform == "reviews":  # "Mara J."
                names.append(f"{first} {last[0]}.")
            elif r < 0.70:
                names.append(f"{first} {last}")
            elif r < 0.85:
                names.append(first)
            elif r < 0.93:
                names.append(f"{first} {last} {_NAME_EMOJI[int(r * 1000) % ne]}")
            else:
                names.append(f"{first.lower()} {_NAME_EMOJI[int(r * 1000) % ne]}")
        if platform == "reddit":  # no display names; people go by their handle
            names = firsts = handles
        return _People(handles, names, firsts, weights)

    def _handle(self, platform: str, first: str, last: str, salt: str) -> str:
        """A handle built from a name and a word ("mara_rides", "k.jensen", "velo_tom88"), in the platform's form."""
        rnd = self.rnd
        f, surname = first.lower(), last.lower().replace(" ", "")
        word = _WORDS[int(rnd() * len(_WORDS))]
        num = str(1 + int(rnd() * 98)) if rnd() < 0.4 else ""
        pattern = int(rnd() * 9)
        if pattern == 0:
            base = f"{f}_{word}"
        elif pattern == 1:
            base = f"{f[0]}.{surname}"
        elif pattern == 2:
            base = f"{word}_{f}{num or 70 + int(rnd() * 29)}"
        elif pattern == 3:
            base = f"{f}{surname}{num}"
        elif pattern == 4:
            base = f"{f}{num or 1 + int(rnd() * 998)}"
        elif pattern == 5:
            base = f"{f}.{surname}"
        elif pattern == 6:
            base = f"{word}{_WORDS[int(rnd() * len(_WORDS))]}{num}"
        elif pattern == 7:
            base = f"{f}_{surname[0]}{num}"
        else:
            base = f"the{word}{f}"
        if platform == "twitter":  # at most 15 characters, no dots
            return base.replace(".", "_")[: 15 - len(salt)].rstrip("_") + salt
        base += salt
        if platform == "mastodon":
            return f"{base.replace('.', '_')}@{_INSTANCES[int(rnd() * len(_INSTANCES))]}"
        if platform == "bluesky":
            return base.replace("_", "-").replace(".", "-") + ".bsky.social"
        if platform == "reddit":
            base = base.replace(".", "_")
            if rnd() < 0.3:
                return "_".join(part.capitalize() for part in base.split("_"))
            return base
        return base

    def _build_phrases(self, seed: int) -> None:
        """Templates are filled in ahead of time: a phrase is then one random index."""
        links = tuple(f"https://{self.brand}.example/{slug}" for slug in _BRAND_POST_SLUGS)
        specs: dict[str, Any] = {**_WORD_SLOTS, **_NUMBER_SLOTS, "link": links}
        fill_rng = random.Random(f"{seed}/phrases")
        self.Slots: type[_SlotsBase] = type(
            "Slots", (_SlotsBase,), {"__slots__": (), "specs": specs, "rnd": fill_rng.random},
        )
        self.base_slots = {
            "brandname": self.brand_name,
            "app": f"{self.brand_name.split()[0]} Ride app",
            "brand": self.brand,
        }
        self._banks: dict[int, tuple[str, ...]] = {}

    def _bank(self, bank: tuple[str, ...]) -> tuple[str, ...]:
        """`bank` filled in: _BANK phrases, the templates in turn, each with its own slot values."""
        expanded = self._banks.get(id(bank))
        if expanded is None:
            filled = []
            for k in range(_BANK):
                template = bank[k % len(bank)]
                filled.append(template.format_map(self.Slots(self.base_slots)) if "{" in template else template)
            expanded = self._banks[id(bank)] = tuple(filled)
        return expanded

    def _phrase(self, bank: tuple[str, ...]) -> str:
        """A random phrase from `bank`, slots filled; '{first}' is left for the caller."""
        return self._bank(bank)[self.bits(_BANK_BITS)]

    def _review_bank(self, stars: int) -> tuple[str, ...]:
        """Whole reviews with `stars` stars: rating, title and one to three sentences."""
        key = -stars
        expanded = self._banks.get(key)
        if expanded is None:
            rng, phrase = self.rng, self._phrase
            rating = "★" * stars + "☆" * (5 - stars)
            bodies = _REVIEW_BODIES[stars]
            expanded = self._banks[key] = tuple(
                f"{rating} {phrase(_REVIEW_TITLES[stars])}. "
                + " ".join(b.format_map(self.Slots(self.base_slots)) for b in rng.sample(bodies, 1 + int(rng.random() * 3)))
                for _ in range(_BANK)
            )
        return expanded

    def _dressing(self, platform: str, mention_brand: float) -> Dressing:
        """Ways people dress up a post, drawn ahead of time: (before, after, someone-else, tags).

        Brand mentions, hashtags and emoji the way people use them; `someone-else`
        is a format for mentioning another user, filled in when used.
        """
        key = (platform, mention_brand)
        table = self._dressings.get(key)
        if table is not None:
            return table
        rng = self.rng
        rnd = rng.random
        brand = self.brand_handle[platform]
        table = []
        for _ in range(_DRESSINGS):
            before = after = other = tags = ""
            if platform == "reddit":
                if rnd() < mention_brand * 0.3:
                    after = f" (u/{brand})"
            elif platform in _MICROBLOGS:
                r = rnd()
                if r < mention_brand * 0.55:
                    before = f"@{brand} "
                elif r < mention_brand:
                    after = f" @{brand}"
                if rnd() < 0.09:
                    other = _MENTION_FORMS[int(rnd() * len(_MENTION_FORMS))]
                r = rnd()
                if r < 0.28:
                    picked = rng.sample(_HASHTAGS, 2)
                    tags = " " + " ".join(picked if r < 0.12 and picked[0] != picked[1] else picked[:1])
                if rnd() < 0.12:
                    tags += " " + _EMOJI[int(rnd() * len(_EMOJI))]
            table.append((before, after, other, tags))
        self._dressings[key] = table
        return table

    def _reddit_body(self) -> str:
        phrase = self._phrase
        return "\n\n" + " ".join(phrase(_REDDIT_CONTEXT) for _ in range(1 + int(self.rnd() * 3)))

    # -- what happens next -----------------------------------------------------

    def _adapt_platforms(self) -> None:
        """Rebuild the table that decides where the next conversation starts and what it is.

        Platforms are weighted by target share over average thread size so far,
        so that each platform's share of messages stays on target.
        """
        entries: list[tuple[float, Kind]] = []
        for index, (platform, weight) in enumerate(zip(PLATFORMS, _PLATFORM_WEIGHTS, strict=True)):
            prior = _PRIOR_THREAD_SIZE[platform]
            share = weight * (self._roots[index] + 50) / (self._sizes[index] + 50 * prior)
            if platform == "reviews":
                entries.append((share, self._kind(platform, "review")))
                continue
            for category, w in zip(_CATEGORIES, _CATEGORY_WEIGHTS["reddit" if platform == "reddit" else "social"], strict=True):
                entries.append((share * w, self._kind(platform, category)))
        total = sum(w for w, _ in entries)
        table: list[Kind] = []
        cum = 0.0
        for w, entry in entries:
            cum += w
            table.extend([entry] * (round(cum / total * (1 << self.DISPATCH_BITS)) - len(table)))
        self._dispatch = table

    def _kind(self, platform: str, category: str) -> Kind:
        kind = self._kinds.get((platform, category))
        if kind is None:
            index = PLATFORMS.index(platform)
            builder: Callable[[str, Any, int, bool], _Shape]
            arg: Any = None
            if category == "review":
                builder = self._review_shape
            elif category == "brand_post":
                builder = self._brand_post_shape
            elif category in ("question", "complaint"):
                builder, arg = self._support_shape, category == "complaint"
            else:
                builder, arg = self._chat_shape, category
            pools: list[list[_Shape]] = [[] for _ in range(6)]  # by tier, and in the outage or not
            kind = self._kinds[(platform, category)] = (index, platform, self.people[platform], builder, arg, pools)
        return kind

    # -- the clock -----------------------------------------------------------

    def _brand_delay(self, t: int) -> int:
        """Support keeps office hours: 08-20 on weekdays, 09-17 at weekends (UTC)."""
        a = self.t0 + t
        hour = (a // 3600) % 24
        if (a // _DAY + 3) % 7 >= 5:
            opens, closes, work = 9, 17, _BRAND_WORK_WEEKEND
        else:
            opens, closes, work = 8, 20, _BRAND_WORK
        wait = 0
        if hour < opens:
            wait = (opens - hour) * 3600 - a % 3600
        elif hour >= closes:
            wait = (24 - hour + opens) * 3600 - a % 3600
        return min(_MAX_GAP, wait + work[self.bits(_TABLE_BITS)])

    # -- people ----------------------------------------------------------------

    def _refill(self, people: _People, batch: int = 1024) -> int:
        """Draw the next `batch` authors (see `_alias_table`), with newcomers spread among them."""
        accept, alias = people.accept, people.alias
        draws = map(self.bits, [people.index_bits + _COIN_BITS] * batch)
        buf = [i if r & _COIN_MASK < accept[i] else alias[i] for r in draws for i in (r >> _COIN_BITS,)]
        size = people.size
        left = size - people.fresh
        if left > 0 and people.q > 0.0:
            step = max(1, round(1.0 / people.q))
            count = min(left, len(range(0, batch, step)))
            buf[0: count * step: step] = range(people.fresh, people.fresh + count)
            people.fresh += count
        people.buf = buf
        return buf.pop()

    # -- conversation shapes ---------------------------------------------------

    def _node(self, nodes: list[Node], parent: int, role: int, text: Text, likes: tuple[int, ...],
              delay: int = -1) -> int:
        """Add a reply to the shape; return its index (the root is 0)."""
        if delay < 0:
            delay = _CUSTOMER_DELAYS[self.bits(_TABLE_BITS)]
        nodes.append((parent, role, delay, text, likes, self.rnd() < 0.85))
        return len(nodes)

    def _peer_count(self, mean: float) -> int:
        """How many people reply directly to a message: usually none, else geometric."""
        rnd = self.rnd
        if rnd() * (1.0 + mean) > mean:
            return 0
        k = 1
        while k < 60 and rnd() < 0.42:
            k += 1
        return k

    def _support_shape(self, platform: str, complaint: bool, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        if outage and rnd() < 0.7:
            topic = "app"
        else:
            topic = _TOPIC_NAMES[bisect(self._topic_cum, rnd() * self._topic_cum[-1])]
        slug, questions, complaints, answers, peer_answers = _TOPICS[topic]
        text = bank(_FOREIGN if rnd() < 0.025 else complaints if complaint else questions)
        suffix = self._reddit_body() if platform == "reddit" else ""
        nodes: list[Node] = []
        roles = 1
        # Other customers chime in: an answer, or "same here".
        for _ in range(self._peer_count(0.12 * (0.5 + 0.5 * math.log1p(_TIER_WEIGHT[tier])))):
            reply = node(nodes, 0, roles, bank(peer_answers if rnd() < 0.5 else _PEER_SAME), _LIKES_PEER)
            if rnd() < 0.25:
                node(nodes, reply, 0, bank(_PEER_BACK), _LIKES_LOW)
            roles += 1
        answered = rnd() < (0.68 if complaint else 0.65)
        if not answered:
            if rnd() < 0.25:  # the customer bumps their own post
                node(nodes, 0, 0, bank(_BUMP), _NO_LIKES, min(_MAX_GAP, 3 * _CUSTOMER_DELAYS[self.bits(_TABLE_BITS)]))
        else:
            last = node(nodes, 0, -1, self._brand_answer(slug, answers, complaint), _LIKES_BRAND)
            self._support_chain(nodes, last, complaint)
            if rnd() < 0.1:  # someone else with the same problem asks the brand too
                ask = node(nodes, last, roles, self._phrase(_PEER_SAME) + " " + self._phrase(_FOLLOW_ESCALATE), _NO_LIKES)
                roles += 1
                if rnd() < 0.6:
                    node(nodes, ask, -1, bank(_BRAND_DM), _NO_LIKES)
        dressing = self._dressing(platform, 0.85)
        return _Shape(0, text, suffix, dressing, _LIKES_ASK, nodes, roles, 2 if answered else 1)

    def _brand_answer(self, slug: str, answers: tuple[str, ...], complaint: bool) -> str:
        rnd, phrase = self.rnd, self._phrase
        parts = [phrase(_BRAND_GREET)]
        if complaint:
            parts.append(phrase(_BRAND_SORRY))
        if answers and (not complaint or rnd() < 0.4):
            parts.append(phrase(answers))
        if complaint or rnd() < 0.3:
            parts.append(phrase(_BRAND_DM))
        if rnd() < 0.7:
            parts.append(f"{phrase(_BRAND_LINK)}https://{self.brand}.example/help/{slug}")
        return " ".join(p for p in parts if p) + phrase(_BRAND_SIGN)

    def _support_chain(self, nodes: list[Node], last: int, complaint: bool) -> None:
        """The customer answers back; while they are unhappy, the brand keeps replying."""
        rnd, bank, node = self.rnd, self._bank, self._node
        keep = 0.45 if complaint else 0.35
        while rnd() < keep:
            unhappy = rnd() < (0.65 if complaint else 0.35)
            last = node(nodes, last, 0, bank(_FOLLOW_BAD if unhappy else _FOLLOW_GOOD), _LIKES_REPLY)
            if not unhappy:
                if rnd() < 0.25:
                    node(nodes, last, -1, bank(_BRAND_CLOSE), _NO_LIKES)
                return
            if rnd() >= 0.75:
                return
            last = node(nodes, last, -1, bank(_BRAND_FOLLOWUP), _LIKES_LOW)
            keep = 0.55  # an unhappy customer who got an answer tends to answer again

    def _chat_shape(self, platform: str, category: str, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        phrases, mention, brand_joins, brand_phrases, reply_rate = _CHAT[category]
        text = bank(_FOREIGN if rnd() < 0.02 else phrases)
        suffix = self._reddit_body() if platform == "reddit" and rnd() < 0.5 else ""
        nodes: list[Node] = []
        roles = 1
        if rnd() < brand_joins:
            node(nodes, 0, -1, bank(brand_phrases), _LIKES_BRAND)
        if platform == "reddit":
            reply_rate *= 1.8
        replies = bank(_PEER_RECOMMEND if category == "purchase" else _PEER_CHAT)
        for _ in range(self._peer_count(reply_rate * (0.5 + 0.5 * math.log1p(_TIER_WEIGHT[tier])))):
            reply = node(nodes, 0, roles, replies, _LIKES_REPLY)
            if rnd() < 0.3:
                roles = self._discussion(nodes, reply, roles)
            roles += 1
        return _Shape(0, text, suffix, self._dressing(platform, mention), None, nodes, roles, 0)

    def _discussion(self, nodes: list[Node], last: int, roles: int) -> int:
        """A back-and-forth under reply `last` between the author (role 0) and its replier
        (role `roles`); sometimes a third person joins. Returns the highest role used."""
        rnd, node = self.rnd, self._node
        back, chat = self._bank(_PEER_BACK), self._bank(_PEER_CHAT)
        speakers = (0, roles)
        turn = 0
        top = roles
        for _ in range(40):
            if rnd() < 0.15:
                top += 1
                who = top
            else:
                who = speakers[turn]
                turn ^= 1
            last = node(nodes, last, who, back if rnd() < 0.5 else chat, _LIKES_TINY)
            if rnd() >= 0.55:
                break
        return top

    def _brand_post_shape(self, platform: str, _: Any, tier: int, outage: bool) -> _Shape:
        rnd, bank, node = self.rnd, self._bank, self._node
        suffix = " " + _HASHTAGS[int(rnd() * len(_HASHTAGS))] if platform != "reddit" and rnd() < 0.5 else ""
        nodes: list[Node] = []
        roles = 1
        for _ in range(self._peer_count(1.2)):
            reply = node(nodes, 0, roles, bank(_FANS), _LIKES_REPLY)
            if rnd() < 0.3:
                node(nodes, reply, -1, bank(_BRAND_TO_FANS), _NO_LIKES)
            roles += 1
        return _Shape(-1, bank(_BRAND_POSTS), suffix, None, _LIKES_BRAND_POST, nodes, roles, 0)

    def _review_shape(self, platform: str, _: Any, tier: int, outage: bool) -> _Shape:
        rnd, node = self.rnd, self._node
        r = rnd()
        stars = 5 if r < 0.45 else 4 if r < 0.65 else 3 if r < 0.75 else 2 if r < 0.83 else 1
        negative = stars <= 2
        nodes: list[Node] = []
        support = 1 if negative else 0
        if rnd() < (0.66 if negative else 0.15):
            if negative:
                support = 2
                answer: Text = self._brand_answer("contact", (), True)
            else:
                answer = self._bank(_BRAND_THANKS)
            reply = node(nodes, 0, -1, answer, _NO_LIKES)
            if negative and rnd() < 0.2:
                node(nodes, reply, 0, self._bank(_FOLLOW_ANY), _NO_LIKES)
        return _Shape(0, self._review_bank(stars), "", None, _LIKES_REVIEW, nodes, 1, support)

    # -- planning --------------------------------------------------------------

    def _plan(self, t: int) -> int:
        """Plan a batch of conversations, the first starting at `t`; return when the next one starts.

        Each conversation takes a shape (drawn from its pool, or new while the
        pool fills) and fills it in: people, texts, times and likes. Messages
        that would fall after the end of the window are left out, and with them
        their replies. Planning ahead is safe: only planning late would not be.
        """
        bits, rnd = self.bits, self.rnd
        n, end, qscale, qtimes, qsteps = self.n, self.end_t, self.qscale, self.qtimes, self.qsteps
        hourstr, offset = self.hourstr, self.hour_offset
        heap, pending, push = self.heap, self.pending, heapq.heappush
        dispatch, dispatch_bits = self._dispatch, self.DISPATCH_BITS
        outage_start, outage_end = self.outage
        stats, sizes, roots = self.stats, self._sizes, self._roots
        brand_name = self.brand_name
        for _ in range(self.BATCH):
            index, platform, people, builder, arg, pools = dispatch[bits(dispatch_bits)]
            buf = people.buf
            author = buf.pop() if buf else self._refill(people)
            handle, name, _, tier, fame = people.info[author]
            pool = pools[tier + 3 if outage_start <= t < outage_end else tier]
            if len(pool) < _POOL:
                shape = builder(platform, arg, tier, outage_start <= t < outage_end)
                pool.append(shape)
            else:
                shape = pool[bits(_POOL_BITS)]
            sizes[index] += shape.size
            roots[index] += 1
            if roots[index] & 4095 == 0:
                self._adapt_platforms()
                dispatch = self._dispatch
            if shape.support:
                stats["support_roots"] += 1
                if shape.support == 2:
                    stats["support_answered"] += 1

            # The post that starts it.
            brand_handle = self.brand_handle[platform]
            micro = platform in _MICROBLOGS
            text = shape.root_text
            if type(text) is not str:
                text = text[bits(_BANK_BITS)]
            if shape.suffix:
                text += shape.suffix
            if shape.dressing is not None:
                before, after, other, tags = shape.dressing[bits(_DRESSING_BITS)]
                if other:  # mention someone; popular people get mentioned more
                    r = bits(people.index_bits + _COIN_BITS)
                    i = r >> _COIN_BITS
                    if r & _COIN_MASK >= people.accept[i]:
                        i = people.alias[i]
                    after += other.format(people.info[i][0])
                text = before + text + after + tags
            if shape.root_role < 0:
                who, handle, name, is_brand = -1, brand_handle, brand_name, True
            else:
                who, is_brand = author, False
            likes = (shape.root_likes or fame)[bits(_TABLE_BITS)]
            a = t + offset
            root: Record = {
                "id": None, "platform": platform, "author": handle, "author_name": name, "text": text,
                "created_at": hourstr[a // 3600] + _MMSS[a % 3600], "reply_to": None,
                "kind": "review" if platform == "reviews" else "post", "is_brand": is_brand,
                "likes": likes, "reposts": int(likes * rnd() * 0.3) if likes > 2 and micro else 0, "replies": 0,
            }
            self.planned += 1
            key = t << 32 | self.planned
            push(heap, key)
            pending[key] = (root, None)
            if shape.nodes:
                self._replies(t, root, who, shape, platform, people, author)

            # When the next one starts: where the stream is, on the curve of the weeks
            # (never earlier than this one, since `planned` only grows).
            if self.planned >= n:
                return end
            x = (self.planned + rnd()) * qscale
            i = int(x)
            t = int(qtimes[i] + (x - i) * qsteps[i])
        return t

    def _replies(self, t: int, root: Record, who: int, shape: _Shape, platform: str, people: _People,
                 author: int) -> None:
        """Plan the replies of a conversation whose first post is `root`."""
        bits, end = self.bits, self.end_t
        hourstr, offset = self.hourstr, self.hour_offset
        heap, pending, push = self.heap, self.pending, heapq.heappush
        info = people.info
        brand_handle, brand_name = self.brand_handle[platform], self.brand_name
        micro = platform in _MICROBLOGS
        reply_kind = "comment" if platform == "reddit" else "reply"
        # Who plays each role: the author, then other people (not the author, mostly).
        cast = [author]
        for _ in range(1, shape.roles):
            buf = people.buf
            other = buf.pop() if buf else self._refill(people)
            if other == author:
                other = buf.pop() if buf else self._refill(people)
            cast.append(other)
        recs: list[Record | None] = [root]
        times = [t]
        whos = [who]
        for parent_index, role, delay, text, like_table, mention in shape.nodes:
            parent = recs[parent_index]
            if parent is None:  # the parent fell after the window: so does this reply
                recs.append(None)
                times.append(0)
                whos.append(-1)
                continue
            pt = times[parent_index]
            if role < 0:
                t = pt + self._brand_delay(pt)
                who, handle, name, is_brand = -1, brand_handle, brand_name, True
                if type(text) is not str:
                    text = text[bits(_BANK_BITS)]
                addressee = whos[parent_index]
                text = text.replace("{first}", info[addressee][2] if addressee >= 0 else "there")
            else:
                t = pt + delay
                who = cast[role]
                handle, name, _, _, _ = info[who]
                is_brand = False
                if type(text) is not str:
                    text = text[bits(_BANK_BITS)]
            if t >= end:
                recs.append(None)
                times.append(0)
                whos.append(-1)
                continue
            parent_handle = parent["author"]
            if mention and micro and parent_handle != handle:
                text = "@" + parent_handle + " " + text
            likes = like_table[bits(_TABLE_BITS)] if like_table else 0
            a = t + offset
            rec: Record = {
                "id": None, "platform": platform, "author": handle, "author_name": name, "text": text,
                "created_at": hourstr[a // 3600] + _MMSS[a % 3600], "reply_to": None, "kind": reply_kind,
                "is_brand": is_brand, "likes": likes,
                "reposts": int(likes * self.rnd() * 0.3) if likes > 2 and micro else 0, "replies": 0,
            }
            parent["replies"] += 1
            self.planned += 1
            key = t << 32 | self.planned
            push(heap, key)
            pending[key] = (rec, parent)
            recs.append(rec)
            times.append(t)
            whos.append(who)

    def _start_time(self) -> int:
        """When the first conversation starts."""
        x = self.rnd() * self.qscale
        i = int(x)
        return int(self.qtimes[i] + (x - i) * self.qsteps[i])

    # -- the stream ----------------------------------------------------------

    def stream(self) -> Iterator[Record]:
        """Yield exactly n records in time order, planning conversations just in time."""
        heap = self.heap
        pop = heapq.heappop
        take = self.pending.pop
        plan = self._plan
        n = self.n
        count = 0
        next_t = self._start_time()
        next_key = next_t << 32
        more = True  # whether to plan more conversations
        while count < n:
            while more and (not heap or next_key <= heap[0]):
                next_t = plan(next_t)
                next_key = next_t << 32
                more = self.planned < n
            rec, parent = take(pop(heap))
            count += 1
            rec["id"] = f"s{count}"
            if parent is not None:
                rec["reply_to"] = parent["id"]
            yield rec


def generate(
    n: int, *, seed: int = 7, brand: str = "halcyonbikes", start: datetime | None = None, days: int = 90,
) -> Iterator[dict[str, Any]]:
    """Stream `n` synthetic message records; the same arguments give the same records.

    Records come in time order with ids `s1`, `s2`, ... in that order; a
    reply's parent is always yielded before it, on the same platform.
    Timestamps lie in [start, start + days); start defaults to 2026-08-01 UTC.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if days < 1:
        raise ValueError("days must be >= 1")
    if not brand or any(c.isspace() or c == "@" for c in brand):
        raise ValueError("brand must be a handle without spaces or @")
    if n == 0:
        return iter(())
    return _Synth(n, seed, brand, _utc(start), days).stream()


def write_jsonl(path: str | Path, n: int, **kw: Any) -> int:
    """Write `generate(n, **kw)` as JSON lines (UTF-8); return the number of lines written."""
    count = 0
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        write = fh.write
        for rec in generate(n, **kw):
            write(encode(rec) + "\n")
            count += 1
    return count


def write_csv(path: str | Path, n: int, **kw: Any) -> int:
    """Write `generate(n, **kw)` as CSV with a header row; return the number of records written.

    Columns are `FIELDS`; None is written as the empty string, booleans as true/false.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for rec in generate(n, **kw):
            row = [rec[f] for f in FIELDS]
            row[6] = row[6] or ""  # reply_to
            row[8] = "true" if row[8] else "false"  # is_brand
            writer.writerow(row)
            count += 1
    return count
