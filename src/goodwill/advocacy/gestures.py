"""Surprise-and-delight gestures: the budget rules, whom to thank next, and what followed a gesture.

The rules (docs/advocacy.md):

- a gesture that costs nothing needs no budget and no approval;
- any other gesture is paid from the budget of its calendar month (UTC), in
  that budget's currency; one that would take the month's approved spending
  over the budget is refused;
- a manager's gesture is approved as it is logged; an agent's is approved
  when it costs no more than the month's agent limit, and otherwise waits for
  a manager's approval (which checks the budget again).

What followed is read from the stored messages alone: nothing is ever asked
of the person.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from goodwill.advocacy.advocates import Advocate, Brand, act_of
from goodwill.domain.people import Said

#: A person thanked within this long is not suggested again.
COOLDOWN = timedelta(days=30)
#: Outcomes compare this long after a gesture with as long before it.
OUTCOME_WINDOW = timedelta(days=30)
#: An advocate scoring this much, already thanked once before, is suggested something more than a thank-you.
MORE_THAN_THANKS = 6


class Kind(enum.StrEnum):
    THANK_YOU = "thank-you"
    EARLY_ACCESS = "early access"
    OFFER = "offer"
    GIFT = "gift"


KINDS = tuple(k.value for k in Kind)


class Status(enum.StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    DECLINED = "declined"


def parse_kind(value: str) -> Kind:
    """'thank you', 'Thank_You' and 'thank-you' all name Kind.THANK_YOU; ValueError names the kinds."""
    key = re.sub(r"[\s_-]+", " ", value.strip().lower())
    for k in Kind:
        if key == k.value.replace("-", " "):
            return k
    raise ValueError(f"{value!r} is not a kind of gesture; choose one of {', '.join(KINDS)}")


def parse_money(value: str | int | float | Decimal) -> int:
    """'12.50' -> 1250 cents; ValueError for anything negative, fractional cents or not a number."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money (write it like 12.50)") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} is not an amount of money (write it like 12.50)")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value!r} has fractions of a cent")
    return int(cents)


def parse_currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{value!r} is not a three-letter currency code such as EUR or USD")
    return code


def amount(cents: int) -> str:
    """1250 -> '12.50'."""
    return f"{cents // 100}.{cents % 100:02d}"


def money(cents: int, currency: str) -> str:
    """1250, 'EUR' -> 'EUR 12.50'."""
    return f"{currency} {amount(cents)}".strip()


def period_of(at: datetime) -> str:
    """The budget period (calendar month, UTC) a moment falls in: '2026-11'."""
    return at.strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class Budget:
    period: str
    currency: str
    amount_cents: int
    agent_limit_cents: int


@dataclass(frozen=True, slots=True)
class Decision:
    status: Status | None  # None: refused
    why: str


def decide(cost_cents: int, currency: str, budget: Budget | None, spent_cents: int, *, manager: bool,
           period: str) -> Decision:
    """Whether a new gesture is approved, waits for a manager, or is refused, and why in words."""
    if cost_cents == 0:
        return Decision(Status.APPROVED, "costs nothing")
    if budget is None:
        return Decision(None, f"there is no budget for {period}; a manager sets one first")
    if currency != budget.currency:
        return Decision(None, f"the budget for {period} is in {budget.currency}, not {currency}")
    left = budget.amount_cents - spent_cents
    if cost_cents > left:
        return Decision(None, f"{money(cost_cents, currency)} is more than the {money(max(left, 0), currency)} "
                              f"left of the budget for {period}")
    if manager:
        return Decision(Status.APPROVED, "logged by a manager, within the budget")
    if cost_cents <= budget.agent_limit_cents:
        return Decision(Status.APPROVED, f"within the agent limit of {money(budget.agent_limit_cents, currency)}")
    return Decision(Status.PENDING, f"above the agent limit of {money(budget.agent_limit_cents, currency)}: "
                                    "waits for a manager's approval")


def approval(cost_cents: int, budget: Budget | None, spent_cents: int, period: str) -> Decision:
    """Whether a pending gesture can be approved now: the month's budget must still cover it."""
    if budget is None:
        return Decision(None, f"there is no budget for {period} any more")
    left = budget.amount_cents - spent_cents
    if cost_cents > left:
        return Decision(None, f"{money(cost_cents, budget.currency)} is more than the "
                              f"{money(max(left, 0), budget.currency)} left of the budget for {period}")
    return Decision(Status.APPROVED, "approved by a manager")


@dataclass(frozen=True, slots=True)
class Suggestion:
    advocate: Advocate
    kind: Kind
    last_gesture_at: datetime | None


def suggest(found: Sequence[Advocate], last_gesture: Mapping[int, datetime], now: datetime) -> list[Suggestion]:
    """Whom to thank or surprise, in the advocates' order, leaving out anyone given a gesture in the last COOLDOWN.

    A first gesture is a thank-you; someone thanked before who still scores MORE_THAN_THANKS or more is
    suggested early access."""
    out = []
    for a in found:
        last = last_gesture.get(a.person_id)
        if last is not None and now - last < COOLDOWN:
            continue
        kind = Kind.EARLY_ACCESS if last is not None and a.score >= MORE_THAN_THANKS else Kind.THANK_YOU
        out.append(Suggestion(a, kind, last))
    return out


def _n(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun + 's'}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a person did after a gesture compared with as long before it, from stored data alone."""

    days: int  # how many days after the gesture the data covers (at most the window)
    messages_before: int
    messages_after: int
    acts_before: int  # recommendations, defences, answers and praise
    acts_after: int
    shares_before: int  # reposts and quotes of the brand's posts
    shares_after: int
    newcomers: tuple[str, ...]  # people first heard from after the gesture, replying to or mentioning them

    @property
    def words(self) -> str:
        if self.days <= 0:
            return "nothing to compare yet: no messages stored since the gesture"
        parts = [f"{_n(self.messages_after, 'message')} in the {_n(self.days, 'day')} after, "
                 f"{self.messages_before} in as long before"]
        if self.acts_after or self.acts_before:
            parts.append(f"spoke up for the brand {_n(self.acts_after, 'time')} after ({self.acts_before} before)")
        if self.shares_after or self.shares_before:
            parts.append(f"shared its posts {_n(self.shares_after, 'time')} after ({self.shares_before} before)")
        if self.newcomers:
            n = len(self.newcomers)
            parts.append(f"{'1 new person' if n == 1 else f'{n} new people'} replied to them or mentioned them")
        return "; ".join(parts)

    @property
    def kept_engaging(self) -> bool:
        """At least one message after, and at least as many as in the window as long before."""
        return self.days > 0 and 0 < self.messages_after and self.messages_after >= self.messages_before

    def to_dict(self) -> dict[str, Any]:
        return {"days_followed": self.days, "messages_before": self.messages_before,
                "messages_after": self.messages_after, "kept_engaging": self.kept_engaging,
                "acts_before": self.acts_before, "acts_after": self.acts_after,
                "shares_before": self.shares_before, "shares_after": self.shares_after,
                "newcomers": len(self.newcomers), "newcomer_handles": list(self.newcomers), "words": self.words}


def outcome(said: Iterable[Said], brand: Brand, at: datetime, data_until: datetime, *,
            shares: Iterable[datetime] = (), newcomers: Sequence[str] = ()) -> Outcome:
    """Compare what the person wrote and shared in the window after `at` (up to `data_until`, the newest stored
    message) with an equally long window before it."""
    end = min(at + OUTCOME_WINDOW, data_until)
    span = max(end - at, timedelta(0))
    days = 0 if span <= timedelta(0) else max(1, round(span.total_seconds() / 86400))
    before = [s for s in said if at - span <= s.at < at]
    after = [s for s in said if at <= s.at <= end]
    moments = list(shares)

    def acts(items: list[Said]) -> int:
        return sum(1 for s in items if act_of(s, brand) is not None)

    return Outcome(days=days, messages_before=len(before), messages_after=len(after),
                   acts_before=acts(before), acts_after=acts(after),
                   shares_before=sum(1 for m in moments if at - span <= m < at),
                   shares_after=sum(1 for m in moments if at <= m <= end), newcomers=tuple(newcomers))
