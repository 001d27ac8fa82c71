"""Weak supervision for intent and needs_response (see docs/annotation-guidelines.md).

Labelling functions read a customer message and, where they can, the brand's
reply in the same thread or the data set's own speech-act label. Each votes
for one intent or abstains; votes are summed with per-function weights (their
precision on the hand-checked sample decided the weights' order) and the
largest total wins, with ties broken toward the label that matters more to a
care team. Messages that no function votes on are `other`.

Run `python -m goodwill.understand.training.labelling` to rebuild
`labels/intent.csv` (ids, labels, split and how each label was reached; no
message text). Hand-checked labels in `labels/checked.csv` override the vote.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from goodwill.understand.training.corpus import Example, data_dir, load

INTENTS = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")
_PRIORITY = {label: i for i, label in enumerate(("complaint", "question", "purchase_intent", "suggestion", "praise", "other"))}
LABELS_DIR = Path(__file__).parent / "labels"
HELD_OUT_SHARE = 0.25
SEED = "goodwill-intent-v1"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_MENTIONS = _rx(r"(?:^|\s)@\w+")
_URL = _rx(r"https?://\S+")
_WH = _rx(r"^\W*(?:how|what|where|when|why|who|which|can|could|is|are|am|do|does|did|will|would|should|has|have|any|anyone|anybody)\b")
_HELP = _rx(r"\b(?:i have a question|(?:can|could) (?:you|u) (?:dm|message|contact|call) me|dm me|please (?:answer|respond|reply)|how (?:do|can|to) i|is there (?:a|any) way|anyone know|does anyone|can (?:you|u|someone) (?:help|tell|explain|check)|need help|help me|please help|any idea|any update|any news)\b")
_PROBLEM = _rx(
    r"\b(?:not working|isn'?t working|doesn'?t work|don'?t work|won'?t (?:let|load|work|open|connect|turn|charge)|can'?t (?:log|get|access|connect|find|use|sign|see|play|download)|"
    r"still (?:not|no|haven'?t|hasn'?t|waiting|broken)|stopped working|keeps? (?:crashing|freezing|failing|dropping|saying)|crash\w*|freez\w*|glitch\w*|bug(?:s|gy)?|error|broken|"
    r"worst|terrible|horrible|awful|pathetic|ridiculous|unacceptable|disgust\w*|disappoint\w*|frustrat\w*|annoy\w*|fed up|sick of|useless|rude|joke|"
    r"delay\w*|late|cancel+ed|overcharg\w*|charged|refund|never (?:arrived|received|came|got)|missing|lost|damaged|wrong (?:item|order|size)|"
    r"no (?:one|response|reply|help|service|signal|internet)|waiting|waited|hours|on hold|outage|down again|issues?|problems?|trouble|"
    r"can'?t|cannot|won'?t|isn'?t|doesn'?t|didn'?t|wasn'?t|unable|nothing (?:is )?working|messed up|slow\w*|lag\w*|drain\w*|fees|stealing|scam\w*|charges?|"
    r"disabled|stuck|fix(?:ed)?|wtf|upset|sad|wasted|sucks?|hate|alienated|betrayed|corrupt\w*|why (?:is|does|did|are|would|no)|"
    r"greyed|forcing|removed?|take (?:it|\w+) off|gone)\b"
)
_PRAISE = _rx(
    r"\b(?:thank(?:s| you)|thx|love|loving|awesome|amazing|great|excellent|fantastic|brilliant|best|perfect|kudos|shout ?out|appreciate\w*|impressed|helpful|wonderful|happy with|well done|"
    r"you rock|you guys rock|legend|superb)\b|[❤♥😍🙌👏💯😊🙏💕😘]"
)
_CLOSER = _rx(r"^\W*(?:ok(?:ay)?|k|thanks?(?: you)?|thank u|thx|ty|cheers|got it|will do|done|sent|dm'?d|dmed|perfect|great|cool|sure|yes|yep|no|nope|np|awesome)(?:\W+(?:thanks?|thank you|so much|again|a lot|very much|guys|!+|\.+))*\W*$")
_SUGGEST = _rx(
    r"\b(?:you (?:should|guys should|need to|ought to)|(?:please|pls|plz) (?:add|bring|make|consider|fix|allow|let|stop|start|include)|would (?:be|love) (?:nice|great|cool|awesome|amazing|helpful|better)|"
    r"it would (?:be|help)|wish (?:you|there was|there were|i could|it)|why (?:don'?t|not|can'?t) you|bring (?:back|it back)|suggest\w*|feature request|idea:|how about|consider (?:adding|making)|"
    r"should (?:add|have|make|allow|let)|needs? (?:an option|a feature|a way))\b"
)
_PURCHASE = _rx(
    r"\b(?:want(?:ing)? to (?:buy|order|purchase|get|upgrade|switch)|looking (?:to|for) (?:buy|purchase|a new|an? )|where (?:can|do) i (?:buy|get|order|find)|how much (?:is|are|does|for|would)|"
    r"price (?:of|for)|going to (?:buy|order|get)|gonna (?:buy|get)|planning (?:to|on) (?:buy|get|order)|thinking (?:of|about) (?:buying|getting|switching|upgrading|ordering)|"
    r"pre-?order(?:ing|s)?\b|in stock|back in stock|available (?:in|for|to order)|when (?:will|does|do|is) .{0,40}(?:release|come out|launch|available|go on sale)|can i (?:buy|order|purchase)|"
    r"do you (?:sell|ship|deliver) |(?:sign(?:ing)? up|subscribe) (?:for|to)|best (?:plan|deal)|which (?:one|model|plan) should i)\b"
)
_NEWS = _rx(r"^\s*RT\b|\b(?:breaking|via @|read more|watch:|video:|new post|article|headline)\b")
_FIRST_PERSON = _rx(r"\b(?:i|i'm|im|my|me|we|our|us)\b")
# The brand's reply in the thread.
_R_SORRY = _rx(r"\b(?:sorry|apologi[sz]e|apologies|not the experience|not what we (?:like|want|expect)|inconvenience|frustrat\w*|understand (?:how|your|the)|hate to hear|not ideal|that'?s not (?:good|right|okay|ok))\b")
_R_THANKS = _rx(r"\b(?:glad (?:to hear|you (?:like|love|enjoy|think|are)|that)|happy to hear|thanks for the (?:love|kind|shout|support|props|compliment)|love (?:to hear|hearing|that|this)|you'?re (?:welcome|awesome|the best)|"
                r"appreciate (?:the|your) (?:kind|love|support|words)|we'?re thrilled|awesome to hear|great to hear|means a lot|enjoy)\b|[❤💙💚💛💜🙌😊😄]")
_R_FEEDBACK = _rx(r"\b(?:feedback|pass (?:this|that|it|your \w+) (?:along|on)|suggestion|share (?:this|that|it) with (?:the|our) team|forward (?:this|that|it) to|idea)\b")
_R_SALES = _rx(r"\b(?:available (?:now|at|in|from)|in stock|pre-?order|on sale|order (?:it|one|yours)|store locator|pricing|price)\b")
_FOLLOWUP_INFO = _rx(r"^\W*(?:it'?s |i'?m |using |on |version |model |this is|here|yes|no|just did|i (?:did|tried|have)|sent)")
_R_INFO = _rx(r"https?://|\b(?:you can|here'?s how|head to|go to|check out|settings >|steps|tap|select)\b")


def _body(text: str) -> str:
    return _URL.sub(" ", _MENTIONS.sub(" ", text)).strip()


Vote = tuple[str, float]
LabellingFunction = Callable[[Example, str], "Vote | None"]


def lf_question_mark(e: Example, body: str) -> Vote | None:
    return ("question", 0.8) if "?" in body else None


def lf_wh_start(e: Example, body: str) -> Vote | None:
    return ("question", 0.6) if _WH.search(body) else None


def lf_help(e: Example, body: str) -> Vote | None:
    return ("question", 1.0) if _HELP.search(body) else None


def lf_problem(e: Example, body: str) -> Vote | None:
    n = len(_PROBLEM.findall(body))
    return ("complaint", 1.4 + 0.3 * min(n - 1, 3)) if n else None


def lf_praise(e: Example, body: str) -> Vote | None:
    if _PRAISE.search(body) and not _PROBLEM.search(body) and not _CLOSER.match(body):
        return ("praise", 1.0)
    return None


def lf_suggestion(e: Example, body: str) -> Vote | None:
    if _SUGGEST.search(body):
        return ("suggestion", 0.8 if _PROBLEM.search(body) else 1.8)
    return None


def lf_purchase(e: Example, body: str) -> Vote | None:
    return ("purchase_intent", 1.8) if _PURCHASE.search(body) else None


def lf_closer(e: Example, body: str) -> Vote | None:
    return ("other", 2.0) if _CLOSER.match(body) else None


def lf_followup(e: Example, body: str) -> Vote | None:
    # A customer's later turn that answers the brand's question (device, version, "just did").
    if e.followup and "?" not in body and (_FOLLOWUP_INFO.search(body) or not _PROBLEM.search(body)):
        return ("other", 1.6)
    return None


def lf_news(e: Example, body: str) -> Vote | None:
    if _NEWS.search(e.text) or (_URL.search(e.text) and "?" not in body and not _FIRST_PERSON.search(body)):
        return ("other", 0.7)
    return None


def lf_empty(e: Example, body: str) -> Vote | None:
    return ("other", 3.0) if not re.search(r"[^\W\d_]{2}", body) else None


def lf_reply_sorry(e: Example, body: str) -> Vote | None:
    return ("complaint", 1.5) if any(_R_SORRY.search(r) for r in e.replies) else None


def lf_reply_thanks(e: Example, body: str) -> Vote | None:
    if e.replies and all(not _R_SORRY.search(r) for r in e.replies) and any(_R_THANKS.search(r) for r in e.replies):
        return ("praise", 1.2)
    return None


def lf_reply_feedback(e: Example, body: str) -> Vote | None:
    return ("suggestion", 1.0) if any(_R_FEEDBACK.search(r) for r in e.replies) and not _PROBLEM.search(body) else None


def lf_reply_sales(e: Example, body: str) -> Vote | None:
    return ("purchase_intent", 0.8) if any(_R_SALES.search(r) for r in e.replies) and not _PROBLEM.search(body) else None


def lf_reply_info(e: Example, body: str) -> Vote | None:
    if e.replies and not any(_R_SORRY.search(r) for r in e.replies) and any(_R_INFO.search(r) for r in e.replies):
        return ("question", 0.5)
    return None


_ACTS = {"QUE": ("question", 1.2), "SUG": ("suggestion", 1.4), "REQ": ("question", 0.7), "STM": ("other", 0.9), "OTH": ("other", 1.2), "THT": ("other", 0.9)}


def lf_acts(e: Example, body: str) -> Vote | None:
    return _ACTS.get(e.act)


def lf_acts_general(e: Example, body: str) -> Vote | None:
    # Tweet Acts are general tweets, not messages to a brand: praise or
    # complaints about a film or a politician are `other` unless addressed.
    if e.dataset == "tweet_acts" and not e.text.lstrip().startswith("@"):
        return ("other", 1.6)
    return None


FUNCTIONS: tuple[LabellingFunction, ...] = (
    lf_question_mark, lf_wh_start, lf_help, lf_problem, lf_praise, lf_suggestion, lf_purchase, lf_closer, lf_followup, lf_news, lf_empty,
    lf_reply_sorry, lf_reply_thanks, lf_reply_feedback, lf_reply_sales, lf_reply_info, lf_acts, lf_acts_general,
)


def vote(e: Example) -> tuple[str, str]:
    """The weighted vote's intent, and which functions voted for it."""
    body = _body(e.text)
    totals: dict[str, float] = {}
    voters: dict[str, list[str]] = {}
    for lf in FUNCTIONS:
        v = lf(e, body)
        if v is not None:
            totals[v[0]] = totals.get(v[0], 0.0) + v[1]
            voters.setdefault(v[0], []).append(lf.__name__[3:])
    if not totals:
        return "other", "none"
    label = max(totals, key=lambda k: (totals[k], -_PRIORITY[k]))
    return label, "+".join(voters[label])


def needs_response(e: Example, intent: str) -> bool:
    """See the guidelines: what a brand should answer."""
    body = _body(e.text)
    if intent == "other" or _CLOSER.match(body) or not re.search(r"[^\W\d_]{2}", body):
        # A follow-up that gives the brand what it asked for still needs a reply.
        return bool(e.dataset == "twcs" and e.followup and e.has_reply and intent == "other" and not _CLOSER.match(body))
    if e.dataset == "twcs":
        return intent in ("question", "complaint", "purchase_intent", "suggestion") or bool(e.has_reply) or e.text.lstrip().startswith("@")
    addressed = e.text.lstrip().startswith("@")
    return addressed and intent in ("question", "complaint", "purchase_intent", "suggestion", "praise")


def split_of(e: Example) -> str:
    """train or heldout, by conversation (and brand, for TWCS): a fixed hash, no randomness."""
    key = e.brand if e.dataset == "twcs" and e.brand else e.group
    h = int(hashlib.sha256(f"{SEED}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "heldout" if h < HELD_OUT_SHARE else "train"


def read_checked(path: Path = LABELS_DIR / "checked.csv") -> dict[tuple[str, str], tuple[str, bool]]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["dataset"], r["id"]): (r["intent"], r["needs_response"] == "1") for r in csv.DictReader(f)}


def checking_rounds(path: Path = LABELS_DIR / "checked.csv") -> dict[tuple[str, str], str]:
    """Which round of hand-checking each checked message belongs to: round 1
    was read before the labelling functions were revised (and guided the
    revision), round 2 after (a fresh sample)."""
    with open(path, encoding="utf-8", newline="") as f:
        return {(r["dataset"], r["id"]): r.get("round") or "1" for r in csv.DictReader(f)}


def agreement(data: Path) -> dict[str, tuple[int, float, float]]:
    """How often the weak labels agree with the hand-checked ones, per round of
    checking: round -> (n, intent agreement, needs_response agreement)."""
    examples = load(data)
    checked = read_checked()
    rounds = checking_rounds()
    hits: dict[str, list[int]] = {}
    for key, (intent, needs) in checked.items():
        e = examples[key]
        weak, _ = vote(e)
        h = hits.setdefault(rounds[key], [0, 0, 0])
        h[0] += 1
        h[1] += weak == intent
        h[2] += needs_response(e, weak) == needs
    return {r: (h[0], h[1] / h[0], h[2] / h[0]) for r, h in sorted(hits.items())}


def build(data: Path, out: Path = LABELS_DIR / "intent.csv") -> Counter[str]:
    examples = load(data)
    checked = read_checked()
    counts: Counter[str] = Counter()
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "id", "intent", "needs_response", "split", "how"])
        for key in sorted(examples, key=lambda k: (k[0], int(k[1]))):
            e = examples[key]
            intent, how = vote(e)
            needs = needs_response(e, intent)
            how = "weak:" + how
            if key in checked:
                intent, needs = checked[key]
                how = "checked"
            w.writerow([e.dataset, e.id, intent, int(needs), split_of(e), how])
            counts[intent] += 1
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    counts = build(data)
    for round_, (n, intent_agree, needs_agree) in agreement(data).items():
        print(f"weak labels agree with the {n} hand-checked ones of round {round_}: intent {intent_agree:.0%}, "
              f"needs_response {needs_agree:.0%}")
    print(f"{sum(counts.values())} labels written to {LABELS_DIR / 'intent.csv'}: {dict(counts)}")


if __name__ == "__main__":
    main()
