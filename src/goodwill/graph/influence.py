"""Influence and outreach on the interaction graph: quality, not quantity.

Influence is what others do with an account, outreach is what it gives them.
Both are computed from an `Edges` table (plain columns in, plain columns out):

1. Each interaction gets a weight by kind (a repost or quote endorses more
   than a mention) and decays with age (half-life `half_life_days`).
2. Bursts count less: interactions an account receives (or gives) in one
   day count in full up to its usual daily rate (its average over the other
   days, at least one); a day above it counts with the square root of its
   excess (a burst of 200 in an hour on an account used to 7 a day weighs
   about what 21 spread over three days would).
3. Repetition counts less: the interactions from one account to another
   add up on a log scale, so breadth (many distinct accounts) beats volume.
4. Mutual boosting counts less: a pair that engages each other as much as
   it is engaged loses `mutual_discount` of its weight, and the lost part is
   not redistributed (it goes to everyone alike, like PageRank's teleport).
5. Influence is the attention an account receives in a PageRank over these
   weights: each account has one vote, split across whom it engages, so
   a spammer's thousand mentions are worth a thousand thin slices, and an
   engagement from an account others engage is worth more. A closed ring
   of accounts boosting each other receives nothing from outside, so it
   only passes its own small share around.

Scores are scaled so that 1.0 is the average account of the graph; 0 means
nobody engaged with it (influence) or it engaged nobody (outreach).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from goodwill.graph import groups, words
from goodwill.graph.cores import spare_core
from goodwill.graph.edges import KINDS, Edges, FloatArray, IntArray

if TYPE_CHECKING:
    import pyarrow as pa

DAY = 86_400.0
T = TypeVar("T")


@dataclass(frozen=True)
class InfluenceParams:
    """The knobs of `score_edges`, with the defaults docs/influence.md explains."""

    half_life_days: float = 30.0
    damping: float = 0.85
    #: weight of receiving each kind (reply, mention, repost, quote)
    received: tuple[float, float, float, float] = (0.7, 0.5, 1.0, 1.0)
    #: weight of giving each kind (reply, mention, repost, quote): answering others gives most
    given: tuple[float, float, float, float] = (1.0, 0.5, 0.8, 0.9)
    mutual_discount: float = 0.8
    burst_window_seconds: float = DAY
    tolerance: float = 1e-6  # L1 change of the rank vector (summing to 1); top-1,000 scores move by < 2e-6 beyond it
    max_iterations: int = 200


@dataclass(frozen=True)
class GraphScores:
    """Per account: influence, outreach, and the figures their explanations come from.

    Arrays are indexed like `accounts`. `received` and `given` count
    interactions by kind (columns in `KINDS` order), `engagers` and
    `engaged` count distinct accounts by kind.
    """

    accounts: Sequence[str]
    influence: FloatArray
    outreach: FloatArray
    received: IntArray
    given: IntArray
    engagers: IntArray
    engaged: IntArray
    received_span_days: IntArray
    given_span_days: IntArray
    received_burst_share: FloatArray
    given_burst_share: FloatArray
    mutual_share: FloatArray
    params: InfluenceParams = field(default_factory=InfluenceParams)
    #: the reasons in words for every account, when `score_edges` was asked to work them out
    reasons: tuple[pa.Array, pa.Array] | None = field(default=None, repr=False, compare=False)

    def influence_reasons(self, i: int) -> list[str]:
        """The main reasons behind account `i`'s influence, in words."""
        return str(self.explain(np.asarray([i]))[0][0]).split("; ")

    def outreach_reasons(self, i: int) -> list[str]:
        """The main reasons behind account `i`'s outreach, in words."""
        return str(self.explain(np.asarray([i]))[1][0]).split("; ")

    def explain(self, index: IntArray | None = None, side_by_side: bool = False) -> tuple[pa.Array, pa.Array]:
        """The reasons behind influence and outreach for the accounts at `index`
        (default: all), each a string of phrases joined with '; ' (the two on two
        threads when `side_by_side`)."""
        if self.reasons is not None:
            if index is None:
                return self.reasons
            at = words.arrow(index)
            return self.reasons[0].take(at), self.reasons[1].take(at)
        at = slice(None) if index is None else index
        with _pool(side_by_side, 1) as pool:  # pyarrow's kernels let go of the GIL
            influence = pool.submit(self._influence_words, at)
            outreach = self._outreach_words(at)
            return influence.result(), outreach

    def _influence_words(self, at: IntArray | slice) -> pa.Array:
        """Influence: the two kinds that weigh most, then what was discounted."""
        received, engagers = self.received[at], self.engagers[at]
        active = np.flatnonzero(received.any(axis=1))
        received, engagers = received[active], engagers[active]
        rows = np.arange(len(active))
        j1, j2 = _top_two(engagers * np.asarray(self.params.received))
        n1, n2 = engagers[rows, j1], engagers[rows, j2]
        times1 = received[rows, j1]
        most = int(engagers.max(initial=0)) + 1
        mutual = self.mutual_share[at][active]
        burst_in = self.received_burst_share[at][active]
        # one join per account: each piece after the first brings its own "; " (or is empty)
        text = words.phrase(
            words.lookup(j1 * most + n1, lambda key: f"{_RECEIVED_VERB[key // most]} by {words.plural(key % most, 'distinct account')}"),
            words.lookup(self.received_span_days[at][active], lambda days: f" over {words.plural(days, 'day')}"),
            words.lookup(np.where(times1 != n1, times1, 0), lambda times: f" ({words.plural(times, 'time')})" if times else ""),
            words.lookup(j2 * most + n2, lambda key: f"; {_RECEIVED_VERB[key // most]} by {words.plural(key % most, 'account')}"
                         if key % most else ""),
            words.lookup(np.where(mutual >= 0.3, words.percents(mutual) + 1, 0), lambda pct: (
                f"; {pct - 1}% of its engagers are engaged back as much (mutual boosting, discounted)" if pct else "")),
            words.lookup(np.where(burst_in >= 0.2, words.percents(burst_in) + 1, 0), lambda pct: (
                f"; {pct - 1}% of its engagement came in bursts and counts less" if pct else "")),
        )
        return words.spread(text, active, len(self.received[at]), "no one engaged with it")

    def _outreach_words(self, at: IntArray | slice) -> pa.Array:
        """Outreach: the two kinds of giving that weigh most, bursts, and how long."""
        given, engaged = self.given[at], self.engaged[at]
        active = np.flatnonzero(given.any(axis=1))
        given, engaged = given[active], engaged[active]
        rows = np.arange(len(active))
        most = int(given.max(initial=0)) + 1
        gave = []
        for then, j in zip(("", "; "), _top_two(given * np.asarray(self.params.given)), strict=True):
            times, n = given[rows, j], engaged[rows, j]

            def gift(key: int, then: str = then) -> str:
                return f"{then}{_GIVEN_VERB[key // most]} {words.plural(key % most, 'time')}" if key % most else ""

            gave.append(words.lookup(j * most + times, gift))
            gave.append(words.lookup(np.where((n > 1) & (times > 0), n, 0), lambda n: f" ({words.plural(n, 'account')})" if n else ""))
        burst_out = self.given_burst_share[at][active]
        # one join per account, as for influence (the kind given most always has a count)
        text = words.phrase(
            *gave,
            words.lookup(np.where(burst_out >= 0.2, words.percents(burst_out) + 1, 0), lambda pct: (
                f"; {pct - 1}% of it came in bursts and counts less" if pct else "")),
            words.lookup(self.given_span_days[at][active], lambda days: f"; over {words.plural(days, 'day')}"),
        )
        return words.spread(text, active, len(self.given[at]), "engages no one else")


class _InOrder:
    """An executor that runs each task as it is submitted, on the calling thread."""

    def __enter__(self) -> _InOrder:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(fn(*args))
        return future


def _pool(side_by_side: bool, workers: int) -> ThreadPoolExecutor | _InOrder:
    return ThreadPoolExecutor(workers) if side_by_side else _InOrder()


def _top_two(weights: FloatArray) -> tuple[IntArray, IntArray]:
    """Per row, the columns of the largest and second largest weight (the first column on ties)."""
    first = _argmax(weights)
    rest = weights.copy()
    rest[np.arange(len(rest)), first] = -np.inf
    return first, _argmax(rest)


def _argmax(weights: FloatArray) -> IntArray:
    """np.argmax(weights, axis=1) for a few columns, a column at a time (much faster on many rows)."""
    best, at = weights[:, 0].copy(), np.zeros(len(weights), dtype=np.int64)
    for j in range(1, weights.shape[1]):
        column = weights[:, j]
        more = column > best
        at[more] = j
        np.maximum(best, column, out=best)
    return at


_RECEIVED_VERB = ("replied to", "mentioned", "reposted", "quoted")
_GIVEN_VERB = ("replies to others", "mentions others", "shares others' work", "quotes others")
assert len(_RECEIVED_VERB) == len(_GIVEN_VERB) == len(KINDS)


def _burst_factor(who: IntArray, day: IntArray, n_days: int, n: int) -> tuple[FloatArray, IntArray]:
    """Per interaction, how much of it counts after the burst discount for `who`
    (the receiver or the giver), and per account the span of its active days."""
    order, keys = groups.sort(who * n_days + day, n * n_days)
    starts = groups.runs(keys)  # one run per account and day
    lengths = np.diff(starts, append=len(keys))
    run_who, run_day = np.divmod(keys[starts], n_days)
    del keys, starts
    per_day = lengths.astype(np.float64)
    total = np.bincount(who, minlength=n).astype(np.float64)
    # the account's usual rate: its average over the other days
    expected = np.maximum(1.0, (total[run_who] - per_day) / max(n_days - 1, 1))
    # up to the usual daily rate in full, the excess with its square root
    counted = np.where(per_day > expected, expected + np.sqrt(np.maximum(per_day - expected, 0.0)), per_day)
    factor = np.empty(len(order))
    counted /= per_day
    factor[order] = np.repeat(counted, lengths)
    del order, counted, expected, per_day, lengths
    # the span of active days: from an account's first run to its last
    firsts = groups.runs(run_who)
    lasts = np.append(firsts[1:], len(run_who)) - 1
    span = np.zeros(n, dtype=np.int64)
    span[run_who[firsts]] = run_day[lasts] - run_day[firsts] + 1
    return factor, span


def _pairs(s: IntArray, t: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """One row per (source, target) pair, sorted so that a pair and its reverse are
    neighbours: each pair's key ((low * n + high) * 2 + backwards) and each interaction's pair."""
    lo, hi = np.minimum(s, t), np.maximum(s, t)
    key = lo * n
    key += hi
    key *= 2
    key += s > t
    return groups.unique(key, 2 * n * n)


def score_edges(edges: Edges, params: InfluenceParams | None = None, now: float | None = None,
                reasons: bool = False, threads: int | None = None) -> GraphScores:
    """Influence and outreach of every account in `edges`.

    :param params: the weights, decay and discounts (defaults: `InfluenceParams()`).
    :param now: the time ages are measured from, Unix seconds (default: the latest interaction).
    :param reasons: also work out every account's reasons in words (`GraphScores.explain`),
        alongside the ranking rather than after it.
    :param threads: 2 to run independent steps side by side on two threads (numpy
        and pyarrow let go of the GIL in their loops), 1 to run them one after the
        other; by default 2 when the machine has a core to spare (`cores.spare_core`).
        The results are the same either way.
    """
    p = params or InfluenceParams()
    side_by_side = spare_core() if threads is None else threads > 1
    n = edges.n_accounts
    keep = edges.source != edges.target  # talking to oneself is neither influence nor outreach
    if keep.all():
        s, t, k, when = edges.source, edges.target, edges.kind, edges.time
    else:
        s, t, k, when = edges.source[keep], edges.target[keep], edges.kind[keep], edges.time[keep]
    if len(s) == 0:
        return _empty(edges.accounts, p)

    with _pool(side_by_side, 2) as pool:
        start, end = float(when.min()), float(when.max())
        ref = end if now is None else now
        n_days = max(1, int(np.ceil((end - start) / p.burst_window_seconds)))
        since = when - start
        since //= p.burst_window_seconds
        day = since.astype(np.int64)
        np.minimum(day, n_days - 1, out=day)
        del since
        bursts_in = pool.submit(_burst_factor, t, day, n_days, n)
        bursts_out = pool.submit(_burst_factor, s, day, n_days, n)
        pair_key, pair_of = _pairs(s, t, n)
        n_pairs = len(pair_key)
        decay = ref - when  # in place, step by step: 2 ** (-max(age, 0) / half-life)
        np.maximum(decay, 0.0, out=decay)
        decay /= -(p.half_life_days * DAY)
        np.exp2(decay, out=decay)
        undecayed_in = np.take(np.asarray(p.received), k)
        undecayed = np.bincount(pair_of, weights=undecayed_in)
        w_out = np.take(np.asarray(p.given), k)
        w_out *= decay
        w_in = decay
        w_in *= undecayed_in
        del undecayed_in, decay
        raw = np.bincount(pair_of, weights=w_in)
        undirected, backwards = pair_key >> 1, (pair_key & 1).astype(bool)
        del pair_key
        lo_p, hi_p = np.divmod(undirected, n)
        ps, pt = np.where(backwards, hi_p, lo_p), np.where(backwards, lo_p, hi_p)
        del lo_p, hi_p, backwards
        burst_in, received_span = bursts_in.result()
        burst_out, given_span = bursts_out.result()
        del day
        w_in_kept = burst_in
        w_in_kept *= w_in
        w_out_kept = burst_out
        w_out_kept *= w_out
        del burst_in, burst_out
        kept_in = np.bincount(pair_of, weights=w_in_kept)
        kept_out = np.bincount(pair_of, weights=w_out_kept)
        # per account, for the explanations, so that the weights per interaction can go
        weight_totals = (np.bincount(t, weights=w_in, minlength=n), np.bincount(t, weights=w_in_kept, minlength=n),
                         np.bincount(s, weights=w_out, minlength=n), np.bincount(s, weights=w_out_kept, minlength=n))
        del w_in, w_out, w_in_kept, w_out_kept

        # mutual boosting: how evenly the pair engages each other (1 = as much back as given)
        both = undirected[:-1] == undirected[1:]
        back = np.zeros_like(raw)
        back[:-1][both] = raw[1:][both]
        back[1:][both] = raw[:-1][both]
        balance = np.minimum(raw, back) / np.maximum(raw, back)
        del both, back, raw, undirected
        mutual = 1.0 - p.mutual_discount * balance

        # the figures the explanations come from, and the explanations, beside the ranking
        def figures() -> GraphScores:
            seen = np.zeros(4 * n_pairs, dtype=bool)  # which kinds each pair has
            pair_kind = pair_of * 4
            pair_kind += k
            seen[pair_kind] = True
            del pair_kind
            pair_kind = np.flatnonzero(seen)
            del seen
            pair, kind = pair_kind >> 2, pair_kind & 3
            engagers = np.bincount(pt[pair] * 4 + kind, minlength=4 * n).reshape(n, 4)
            engaged = np.bincount(ps[pair] * 4 + kind, minlength=4 * n).reshape(n, 4)
            del pair_kind, pair, kind
            received = np.bincount(_times_four_plus(t, k), minlength=4 * n).reshape(n, 4)
            given = np.bincount(_times_four_plus(s, k), minlength=4 * n).reshape(n, 4)
            w_in_total, w_in_kept_total, w_out_total, w_out_kept_total = weight_totals
            with np.errstate(invalid="ignore", divide="ignore"):
                received_burst = np.nan_to_num(1.0 - w_in_kept_total / w_in_total)
                given_burst = np.nan_to_num(1.0 - w_out_kept_total / w_out_total)
                mutual_share = np.nan_to_num(np.bincount(pt, weights=balance >= 0.5, minlength=n) / np.bincount(pt, minlength=n))
            zeros = np.zeros(n)
            scores = GraphScores(
                accounts=edges.accounts, influence=zeros, outreach=zeros,
                received=received, given=given, engagers=engagers, engaged=engaged,
                received_span_days=_span_days(received_span, p), given_span_days=_span_days(given_span, p),
                received_burst_share=received_burst, given_burst_share=given_burst, mutual_share=mutual_share, params=p,
            )
            return replace(scores, reasons=scores.explain(side_by_side=side_by_side)) if reasons else scores

        explained = pool.submit(figures)

        # each account's one vote, split over whom it engages; discounted parts leak
        votes = np.log1p(undecayed)  # so that age, like the discounts, leaks from the vote
        transfer = np.log1p(kept_in * mutual) / np.bincount(ps, weights=votes, minlength=n)[ps]
        rank = np.full(n, 1.0 / n)
        received_flow = rank
        flow = np.empty(len(ps))
        for _ in range(p.max_iterations):
            np.take(rank, ps, out=flow)
            flow *= transfer
            received_flow = np.bincount(pt, weights=flow, minlength=n).astype(np.float64, copy=False)
            received_flow *= p.damping
            new = received_flow + (1.0 - received_flow.sum()) / n
            done = np.abs(new - rank).sum() < p.tolerance
            rank = new
            if done:
                break
        influence = _mean_one(received_flow)
        outreach = _mean_one(np.bincount(ps, weights=np.log1p(kept_out * mutual), minlength=n).astype(np.float64))
        return replace(explained.result(), influence=influence, outreach=outreach)


def _times_four_plus(codes: IntArray, kind: IntArray) -> IntArray:
    """codes * 4 + kind, with one temporary array."""
    out = codes * 4
    out += kind
    return out


def score_by_topic(edges: Edges, params: InfluenceParams | None = None, now: float | None = None) -> dict[str, GraphScores]:
    """Influence and outreach within each topic of `edges` (only interactions about it count)."""
    return {topic: score_edges(edges.within_topic(topic), params, now) for topic in edges.topics}


def _span_days(span: IntArray, p: InfluenceParams) -> IntArray:
    days: IntArray = np.ceil(span * (p.burst_window_seconds / DAY)).astype(np.int64)
    return days


def _mean_one(values: npt.NDArray[np.float64]) -> FloatArray:
    mean = float(values.mean()) if len(values) else 0.0
    return values / mean if mean > 0 else np.zeros_like(values)


def _empty(accounts: Sequence[str], p: InfluenceParams) -> GraphScores:
    n = len(accounts)
    zeros = np.zeros(n)
    counts = np.zeros((n, 4), dtype=np.int64)
    span = np.zeros(n, dtype=np.int64)
    return GraphScores(accounts, zeros, zeros.copy(), counts, counts.copy(), counts.copy(), counts.copy(),
                       span, span.copy(), zeros.copy(), zeros.copy(), zeros.copy(), p)
