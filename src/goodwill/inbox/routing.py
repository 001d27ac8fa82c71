"""Routing rules: which team a new case goes to, who in it, with which tags and SLA policy.

Rules are kept in order (`position`, then id). The first rule whose
conditions all hold routes the case; later rules are not looked at. A case no
rule matches stays unrouted: no team, nobody assigned, no tags, and the SLA
policy of its priority band. Every decision carries its reason in words:
"rule 3 'Refunds to billing' (v2): intent is complaint; says 'refund'".

Assignment within the rule's team:

- fixed: the named user, if they are an available member of the team;
- round-robin: the next available member (in user-id order) after the one the
  team last gave a case to;
- least-loaded: the available member with the fewest open cases (ties go to
  the lower user id);
- none: the team's queue.

When nobody in the team is available the case stays in the team's queue and
the reason says so. Pure: plain data in, plain data out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from goodwill.domain.routing import STRATEGIES, Actions, Agent, Conditions, Decision, Facts, Rule, Strategy
from goodwill.domain.signals import INTENTS
from goodwill.errors import FieldError

__all__ = [
    "CONDITION_FIELDS", "ACTION_FIELDS", "actions_dict", "conditions_dict", "describe", "match", "parse_actions",
    "parse_conditions", "pick_assignee", "route",
]

CONDITION_FIELDS = ("intents", "topics", "languages", "platforms", "keywords", "stages", "min_priority")
ACTION_FIELDS = ("team", "strategy", "assignee", "tags", "sla")
MAX_VALUES = 200
MAX_TEXT = 200


def _texts(field: str, value: Any, *, lower: bool = True) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise FieldError(field, "give a list of words")
    if len(value) > MAX_VALUES:
        raise FieldError(field, f"at most {MAX_VALUES} values")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise FieldError(field, f"{item!r} is not text")
        text = " ".join(item.split())
        if lower:
            text = text.lower()
        if not text:
            raise FieldError(field, "an empty value matches nothing; leave it out")
        if len(text) > MAX_TEXT:
            raise FieldError(field, f"{text[:20]!r}...: at most {MAX_TEXT} characters")
        if text not in out:
            out.append(text)
    return tuple(out)


def _name(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_TEXT:
        raise FieldError(field, f"give a name of at most {MAX_TEXT} characters")
    return value.strip() or None


def parse_conditions(data: Mapping[str, Any], *, stages: Sequence[str] = ()) -> Conditions:
    """Conditions from plain data (a rule's stored JSON, an API body, CLI options), checked field by field.
    `stages` lists the stage names a rule may name (all of them when empty)."""
    unknown = sorted(set(data) - set(CONDITION_FIELDS))
    if unknown:
        raise FieldError(unknown[0], f"not a condition; use {', '.join(CONDITION_FIELDS)}")
    intents = _texts("intents", data.get("intents"))
    for intent in intents:
        if intent not in INTENTS:
            raise FieldError("intents", f"{intent!r} is not an intent; choose from {', '.join(INTENTS)}")
    found_stages = tuple(s.replace("-", " ").replace("_", " ") for s in _texts("stages", data.get("stages")))
    for stage in found_stages:
        if stages and stage not in stages:
            raise FieldError("stages", f"{stage!r} is not a stage; choose from {', '.join(stages)}")
    languages = _texts("languages", data.get("languages"))
    for lang in languages:
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            raise FieldError("languages", f"{lang!r}: give a language code such as en or de")
    minimum = data.get("min_priority")
    if minimum is not None:
        if isinstance(minimum, bool) or not isinstance(minimum, int | float) or minimum != minimum:
            raise FieldError("min_priority", f"{minimum!r} is not a number")
        minimum = float(minimum)
    return Conditions(
        intents=intents, topics=_texts("topics", data.get("topics")), languages=languages,
        platforms=_texts("platforms", data.get("platforms")), keywords=_texts("keywords", data.get("keywords")),
        stages=found_stages, min_priority=minimum,
    )


def parse_actions(data: Mapping[str, Any]) -> Actions:
    """Actions from plain data, checked. A fixed assignee needs a team; so does any assignment."""
    unknown = sorted(set(data) - set(ACTION_FIELDS))
    if unknown:
        raise FieldError(unknown[0], f"not an action; use {', '.join(ACTION_FIELDS)}")
    raw = data.get("strategy") or Strategy.NONE.value
    if raw not in STRATEGIES:
        raise FieldError("strategy", f"{raw!r}: choose {', '.join(STRATEGIES)}")
    strategy = Strategy(raw)
    team, assignee = _name("team", data.get("team")), _name("assignee", data.get("assignee"))
    if strategy is Strategy.FIXED and assignee is None:
        raise FieldError("assignee", "a fixed assignment names the user")
    if strategy is not Strategy.FIXED and assignee is not None:
        raise FieldError("assignee", f"only a fixed assignment names a user (this one is {strategy})")
    if strategy is not Strategy.NONE and team is None:
        raise FieldError("team", "assigning someone needs the team they are picked from")
    return Actions(team=team, strategy=strategy, assignee=assignee, tags=_texts("tags", data.get("tags")),
                   sla=_name("sla", data.get("sla")))


def conditions_dict(c: Conditions) -> dict[str, Any]:
    """The conditions as plain data; unset ones are left out."""
    out: dict[str, Any] = {k: list(getattr(c, k)) for k in CONDITION_FIELDS[:-1] if getattr(c, k)}
    if c.min_priority is not None:
        out["min_priority"] = c.min_priority
    return out


def actions_dict(a: Actions) -> dict[str, Any]:
    return {"team": a.team, "strategy": a.strategy.value, "assignee": a.assignee, "tags": list(a.tags), "sla": a.sla}


@lru_cache(maxsize=4096)
def _phrase(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _number(value: float) -> str:
    return f"{value:g}"


def match(conditions: Conditions, facts: Facts) -> str | None:
    """None when a condition fails; else the conditions that held, in words ("every case" for none)."""
    said: list[str] = []
    if conditions.intents:
        if facts.intent not in conditions.intents:
            return None
        said.append(f"intent is {facts.intent}")
    if conditions.platforms:
        if facts.platform.lower() not in conditions.platforms:
            return None
        said.append(f"on {facts.platform}")
    if conditions.languages:
        if (facts.language or "").lower() not in conditions.languages:
            return None
        said.append(f"language is {facts.language}")
    if conditions.topics:
        label = (facts.topic or "").lower()
        hit = next((t for t in conditions.topics if label and _phrase(t).search(label)), None)
        if hit is None:
            return None
        said.append(f"topic '{facts.topic}'")
    if conditions.keywords:
        hits = [k for k in conditions.keywords if _phrase(k).search(facts.text)]
        if not hits:
            return None
        said.append("says " + ", ".join(f"'{k}'" for k in hits[:3]))
    if conditions.stages:
        if facts.stage not in conditions.stages:
            return None
        said.append(f"person is {facts.stage}")
    if conditions.min_priority is not None:
        if facts.priority is None or facts.priority < conditions.min_priority:
            return None
        said.append(f"priority {_number(facts.priority)} ≥ {_number(conditions.min_priority)}")
    return "; ".join(said) if said else "every case"


def describe(conditions: Conditions) -> str:
    """The conditions in words, for lists: "intent complaint; says 'refund' or 'money back'"."""
    parts: list[str] = []
    for label, values in (("intent", conditions.intents), ("on", conditions.platforms),
                          ("language", conditions.languages), ("topic", conditions.topics),
                          ("person", conditions.stages)):
        if values:
            parts.append(f"{label} " + " or ".join(values))
    if conditions.keywords:
        parts.append("says " + " or ".join(f"'{k}'" for k in conditions.keywords))
    if conditions.min_priority is not None:
        parts.append(f"priority ≥ {_number(conditions.min_priority)}")
    return "; ".join(parts) if parts else "every case"


def pick_assignee(
    strategy: Strategy, members: Sequence[Agent], *, fixed: str | None = None, last_user_id: int | None = None
) -> tuple[Agent | None, str]:
    """The member a case goes to under `strategy`, and how they were picked in words."""
    if strategy is Strategy.NONE:
        return None, "to the team's queue"
    available = sorted((m for m in members if m.available), key=lambda m: m.user_id)
    if strategy is Strategy.FIXED:
        chosen = next((m for m in available if m.name == fixed), None)
        if chosen is None:
            known = any(m.name == fixed for m in members)
            why = "is not available" if known else "is not in the team"
            return None, f"to the team's queue: {fixed} {why}"
        return chosen, f"to {chosen.name} (fixed)"
    if not available:
        return None, "to the team's queue: nobody in the team is available"
    if strategy is Strategy.ROUND_ROBIN:
        after = [m for m in available if last_user_id is not None and m.user_id > last_user_id]
        chosen = (after or available)[0]
        return chosen, f"to {chosen.name} (round-robin, next of {len(available)} available)"
    chosen = min(available, key=lambda m: (m.open_cases, m.user_id))
    cases = "case" if chosen.open_cases == 1 else "cases"
    return chosen, f"to {chosen.name} (least-loaded: {chosen.open_cases} open {cases} of {len(available)} available)"


def route(
    rules: Iterable[Rule], facts: Facts, *, members: Mapping[str, Sequence[Agent]] | None = None,
    last_assigned: Mapping[str, int] | None = None,
) -> Decision:
    """Route one new case: the first matching rule (in position order) decides.

    `members` lists each team's members (by team name); `last_assigned` the
    user each team last gave a case to (round-robin's cursor).
    """
    members = members or {}
    last_assigned = last_assigned or {}
    for rule in sorted(rules, key=lambda r: (r.position, r.rule_id)):
        why = match(rule.conditions, facts)
        if why is None:
            continue
        a = rule.actions
        head = f"rule {rule.rule_id} '{rule.name}' (v{rule.version}): {why}"
        chosen: Agent | None = None
        if a.team is not None:
            chosen, how = pick_assignee(a.strategy, members.get(a.team, ()), fixed=a.assignee,
                                        last_user_id=last_assigned.get(a.team))
            head += f"; {a.team} team, {how}"
        return Decision(rule=rule, team=a.team, assignee_id=chosen.user_id if chosen else None,
                        assignee=chosen.name if chosen else None, tags=a.tags, sla=a.sla, reason=head)
    return Decision(rule=None, team=None, assignee_id=None, assignee=None, tags=(), sla=None,
                    reason="no rule matched")
