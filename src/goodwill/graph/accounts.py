"""Influence and outreach from per-account activity figures, without a graph.

For files that give counts per account rather than interactions (followers,
reposts and mentions received and sent, lists, posts). Each figure enters on
a log scale, centred on a typical account and divided by a common spread, so
`z = 0` is typical and `z = 1` is about seven times typical:

    influence parts  reposts received 0.30, mentions received 0.25, listed 0.20,
                     engagement per post (shrunk towards typical) 0.15, followers 0.10
    outreach parts   reposts sent 0.35, mentions sent 0.35, giving per post 0.30

Engagement received dominates: followers weigh 0.10 of the score, because
follower counts say little about whether anyone reposts or mentions an
account. Per-post rates are shrunk towards a typical rate with `SHRINK`
pseudo-posts, so three posts with one repost each do not look like a star.

An unknown figure (a missing column or an empty cell) is not zero: the score
is the weighted mean of the known parts, with each unknown part counted as
typical at a quarter of its weight, so the less is known the nearer the score
stays to typical. The score is `exp(z)`: 1.0 is a typical account. With no
figure known at all the score is NaN (unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from goodwill.graph.edges import FloatArray

FIGURES: tuple[str, ...] = (
    "followers", "following", "listed", "mentions_received", "reposts_received", "mentions_sent", "reposts_sent", "posts",
)

#: log1p of a typical account's figure
TYPICAL: dict[str, float] = {
    "followers": float(np.log1p(1_000)), "listed": float(np.log1p(10)), "mentions_received": float(np.log1p(10)),
    "reposts_received": float(np.log1p(10)), "mentions_sent": float(np.log1p(10)), "reposts_sent": float(np.log1p(5)),
    "engagement_rate": float(np.log1p(0.5)), "giving_rate": float(np.log1p(0.3)),
}
SPREAD = 2.0  # log units per z
SHRINK = 20.0  # pseudo-posts at the typical rate
UNKNOWN_WEIGHT = 0.25

INFLUENCE_PARTS: dict[str, float] = {
    "reposts_received": 0.30, "mentions_received": 0.25, "listed": 0.20, "engagement_rate": 0.15, "followers": 0.10,
}
OUTREACH_PARTS: dict[str, float] = {"reposts_sent": 0.35, "mentions_sent": 0.35, "giving_rate": 0.30}


@dataclass(frozen=True)
class AccountFigures:
    """Per-account figures: `figures[name]` has one value per account, NaN where unknown;
    a figure not in `figures` is unknown for every account."""

    accounts: Sequence[str]
    figures: dict[str, FloatArray]

    def get(self, name: str) -> FloatArray:
        values = self.figures.get(name)
        return values if values is not None else np.full(len(self.accounts), np.nan)


@dataclass(frozen=True)
class AccountScores:
    """Influence and outreach per account (1.0 = typical, NaN = nothing known), with the
    z-value of each part (NaN = unknown) for the explanations."""

    accounts: Sequence[str]
    influence: FloatArray
    outreach: FloatArray
    parts: dict[str, FloatArray]
    figures: AccountFigures

    def explain(self, index: npt.NDArray[np.int64] | None = None) -> tuple[list[str], list[str]]:
        """The reasons behind influence and outreach for the accounts at `index`
        (default: all), each a string of phrases joined with '; '."""
        rows = range(len(self.accounts)) if index is None else index.tolist()
        return ["; ".join(self.influence_reasons(i)) for i in rows], ["; ".join(self.outreach_reasons(i)) for i in rows]

    def influence_reasons(self, i: int, top: int = 3) -> list[str]:
        return self._reasons(i, INFLUENCE_PARTS, top)

    def outreach_reasons(self, i: int, top: int = 3) -> list[str]:
        return self._reasons(i, OUTREACH_PARTS, top)

    def _reasons(self, i: int, weights: dict[str, float], top: int) -> list[str]:
        known = [(abs(self.parts[p][i]) * w, p) for p, w in weights.items() if not np.isnan(self.parts[p][i])]
        known.sort(reverse=True)
        reasons = [self._phrase(i, p) for _, p in known[:top]]
        unknown = [p for p in weights if np.isnan(self.parts[p][i])]
        if unknown:
            reasons.append("unknown: " + ", ".join(_LABEL[p] for p in unknown))
        return reasons

    def _phrase(self, i: int, part: str) -> str:
        z = self.parts[part][i]
        level = "high" if z >= 0.5 else "low" if z <= -0.5 else "typical"
        f = self.figures
        if part == "engagement_rate":
            got = np.nansum([f.get("reposts_received")[i], f.get("mentions_received")[i]])
            return f"{level} engagement per post ({got:,.0f} reposts and mentions over {f.get('posts')[i]:,.0f} posts)"
        if part == "giving_rate":
            gave = np.nansum([f.get("reposts_sent")[i], f.get("mentions_sent")[i]])
            return f"{level} giving per post ({gave:,.0f} reposts and mentions of others over {f.get('posts')[i]:,.0f} posts)"
        value = f.get(part)[i]
        if part == "followers":
            return f"{value:,.0f} followers (counted little)"
        return f"{_LABEL[part]} {value:,.0f} time{'' if value == 1 else 's'} ({level})"


_LABEL = {
    "reposts_received": "reposted", "mentions_received": "mentioned", "listed": "listed", "followers": "followers",
    "engagement_rate": "engagement per post", "reposts_sent": "reposts others", "mentions_sent": "mentions others",
    "giving_rate": "giving per post",
}


def _log_z(values: FloatArray, typical: float) -> FloatArray:
    return (np.log1p(values) - typical) / SPREAD


def _rate(numerators: list[FloatArray], posts: FloatArray, typical: float) -> FloatArray:
    """log-scale z of a per-post rate shrunk towards `typical`; NaN when posts or every numerator is unknown."""
    stacked = np.stack(numerators)
    total = np.where(np.isnan(stacked).all(axis=0), np.nan, np.nansum(stacked, axis=0))
    prior = np.expm1(typical)
    rate = (total + SHRINK * prior) / (posts + SHRINK)
    return _log_z(rate, typical)


def _combine(parts: dict[str, FloatArray], weights: dict[str, float]) -> FloatArray:
    num = np.zeros(len(next(iter(parts.values()))))
    den = np.zeros_like(num)
    any_known = np.zeros(len(num), dtype=bool)
    for name, w in weights.items():
        z = parts[name]
        known = ~np.isnan(z)
        num += np.where(known, w * z, 0.0)
        den += np.where(known, w, UNKNOWN_WEIGHT * w)
        any_known |= known
    return np.where(any_known, np.exp(num / den), np.nan)


def score_accounts(figures: AccountFigures) -> AccountScores:
    """Influence and outreach for every account in `figures`."""
    g = figures.get
    parts: dict[str, FloatArray] = {
        name: _log_z(g(name), TYPICAL[name])
        for name in ("reposts_received", "mentions_received", "listed", "followers", "reposts_sent", "mentions_sent")
    }
    parts["engagement_rate"] = _rate([g("reposts_received"), g("mentions_received")], g("posts"), TYPICAL["engagement_rate"])
    parts["giving_rate"] = _rate([g("reposts_sent"), g("mentions_sent")], g("posts"), TYPICAL["giving_rate"])
    return AccountScores(
        accounts=figures.accounts,
        influence=_combine(parts, INFLUENCE_PARTS),
        outreach=_combine(parts, OUTREACH_PARTS),
        parts=parts,
        figures=figures,
    )
