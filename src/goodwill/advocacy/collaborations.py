"""What an influencer collaboration cost: how the influencer's network (the
people who interact with the influencer) engaged with and felt about the
influencer and the brand in the WINDOW before the post and the WINDOW after.

Pure logic: the network's messages toward the influencer or the brand come in
as plain rows; the figures go out with their reasons in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: The days read on each side of the post.
WINDOW = timedelta(days=14)
#: A fall in mean sentiment toward the brand larger than this (on -1..1) drains trust.
DRAIN = 0.1


@dataclass(frozen=True)
class Toward:
    """One message of someone in the network toward the influencer or the brand."""

    message_id: int
    person: int  # the account that wrote it
    target: str  # influencer or brand
    at: datetime
    sentiment: float | None  # positive minus negative (-1..1); None when not read yet


def _side(rows: list[Toward]) -> dict[str, Any]:
    read = [r.sentiment for r in rows if r.sentiment is not None]
    return {"messages": len(rows), "people": len({r.person for r in rows}),
            "sentiment": round(sum(read) / len(read), 3) if read else None}


def _words(target: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    def sentiment(s: float | None) -> str:
        return "unread" if s is None else f"{s:+.2f}"

    return (f"toward the {target}: {before['messages']} messages from {before['people']} people before, "
            f"{after['messages']} from {after['people']} after; mean sentiment {sentiment(before['sentiment'])} "
            f"then {sentiment(after['sentiment'])}")


def figures(posted_at: datetime, network: int, rows: Iterable[Toward]) -> dict[str, Any]:
    """The network's engagement and sentiment toward the influencer and the brand,
    WINDOW before `posted_at` and WINDOW after, and whether the post drained trust."""
    start, end = posted_at - WINDOW, posted_at + WINDOW
    kept = [r for r in rows if start <= r.at < end]
    out: dict[str, Any] = {"network": network, "window_days": WINDOW.days}
    reasons = []
    for target in ("influencer", "brand"):
        before = _side([r for r in kept if r.target == target and r.at < posted_at])
        after = _side([r for r in kept if r.target == target and r.at >= posted_at])
        change = (None if before["sentiment"] is None or after["sentiment"] is None
                  else round(after["sentiment"] - before["sentiment"], 3))
        out[f"toward_{target}"] = {"before": before, "after": after, "sentiment_change": change,
                       "engagement_change": after["messages"] - before["messages"]}
        reasons.append(_words(target, before, after))
    change = out["toward_brand"]["sentiment_change"]
    out["drains_trust"] = change is not None and change < -DRAIN
    verdict = (f"drains trust: the network's sentiment toward the brand fell by {-change:.2f}" if out["drains_trust"]
               else "no sign of drained trust" if change is not None
               else "too few read messages toward the brand on both sides to tell")
    out["why"] = f"{network} people in the influencer's network; " + "; ".join(reasons) + f"; {verdict}"
    return out
