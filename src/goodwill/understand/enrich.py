"""One batch API for every signal: `enrich(texts) -> SignalBatch`.

File import (in `goodwill.ingest.prepare.prepare`, which runs in the reading process
for big files), listening (which writes through import) and `goodwill
classify` all call it. Everything here is plain data in, plain data out.

The fast path runs on every message: fastText language ID, the fast
sentiment model, the fast intent / needs_response / urgency head
(`heads.Heads.fast`, word n-grams and cue phrases) and the rules (`rules`). What runs after it is chosen by `sentiment`:

- `"cascade"` (the default): the fast path for every message, then the
  shared encoder (`encoder`, ONNX Runtime) for every message that might reach
  the inbox (`might_reach_inbox`: a possible question or complaint, negative,
  urgent, or unsure), whose vectors feed the accurate heads (`refine`);
- `"fast"`: the fast path only;
- `"accurate"`: the encoder for every message.

Nothing falls back in silence: `"cascade"` and `"accurate"` raise
`ModelUnavailableError` when the encoder is not installed. The model version
of a batch names every model that ran.

Heads trained on the shared encoder plug into `refine`, which gets the
encoder's vectors of the chosen rows once and updates the batch's columns:
the accurate sentiment head and the intent heads' encoder head
(`heads.Heads.encoder_scores`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand import heads, language, rules
from goodwill.understand.features import Features
from goodwill.understand.heads import URGENT as URGENT_COLUMN
from goodwill.understand.heads import Heads
from goodwill.understand.signals import SignalBatch

RULES_VERSION = "rules-1"
_COMPLAINT = INTENTS.index("complaint")
_OTHER = INTENTS.index("other")


class HasText(Protocol):
    text: str


def _texts(items: Sequence[str] | Sequence[HasText]) -> list[str]:
    return [t if isinstance(t, str) else t.text for t in items]


def _urgent_phrase(found: Sequence[list[str]]) -> npt.NDArray[np.bool_]:
    """A safety phrase (fire, injury, hospital, assault, ...), money lost (charged twice, transactions
    I never made, account emptied, still no refund, ...) or a threat to leave (cancel my subscription,
    switching to, ...) always makes a message urgent."""
    return np.fromiter(("u:safety" in f or "u:money" in f or "u:leaving" in f for f in found), dtype=bool, count=len(found))


def _urgency(urgent: npt.NDArray[np.bool_], needs: npt.NDArray[np.bool_], complaint: npt.NDArray[np.bool_]) -> list[str]:
    return ["high" if u else "normal" if n or c else "low" for u, n, c in zip(urgent, needs, complaint, strict=True)]


def reasons_for(model: Heads, features: Features, found: Sequence[list[str]], intent_scores: npt.NDArray[np.float32],
                urgent: npt.NDArray[np.bool_]) -> list[dict[str, list[str]]]:
    """The words behind each message's intent (unless `other`) and behind a high urgency; `features` are the
    messages' `model.fast.features`."""
    top = intent_scores.argmax(axis=1)
    intent = model.reasons_of(features, np.where(top == _OTHER, -1, top))
    urgency = model.reasons_of(features, np.where(urgent, URGENT_COLUMN, -1))
    out: list[dict[str, list[str]]] = []
    for i in range(len(found)):
        r: dict[str, list[str]] = {}
        if top[i] != _OTHER:
            r["intent"] = intent[i]
        if urgent[i]:
            r["urgency"] = list(dict.fromkeys([c[2:] for c in found[i] if c[0] == "u"] + urgency[i]))[:3]
        out.append(r)
    return out


Mode = Literal["fast", "cascade", "accurate"]
MODES: tuple[Mode, ...] = ("fast", "cascade", "accurate")
DEFAULT_MODE: Mode = "cascade"

# The cascade's gate, on the fast path's signals (see `might_reach_inbox`).
ASK_SHARE = 0.3  # p(question) + p(complaint) at least this: a possible question or complaint
NEGATIVE = 0.5  # p(negative) at least this
UNSURE = 0.45  # the fast sentiment model's top probability below this
_QUESTION = INTENTS.index("question")
_NEGATIVE = 0  # SENTIMENTS[0] == "negative"


def might_reach_inbox(sentiment_scores: npt.NDArray[np.float32], intent_scores: npt.NDArray[np.float32],
                      needs: npt.NDArray[np.bool_], urgency: Sequence[str]) -> npt.NDArray[np.bool_]:
    """The rows the cascade reads again with the encoder: needs a response, a
    possible question or complaint, negative, urgent, or unsure (fast signals)."""
    asks = intent_scores[:, _QUESTION] + intent_scores[:, _COMPLAINT] >= ASK_SHARE
    negative = sentiment_scores[:, _NEGATIVE] >= NEGATIVE
    unsure = sentiment_scores.max(axis=1) < UNSURE
    urgent = np.fromiter((u == "high" for u in urgency), dtype=bool, count=len(urgency))
    out: npt.NDArray[np.bool_] = needs | asks | negative | unsure | urgent
    return out


def _sentiment_version(mode: Mode) -> str:
    from goodwill.understand import sentiment as models

    fast = models.load_fast()
    if mode == "fast":
        return fast.version
    accurate = models.load_accurate()
    return accurate.version if mode == "accurate" else f"{fast.version}>{accurate.version}"


def model_version(sentiment: Mode = DEFAULT_MODE) -> str:
    """The version string of the models `enrich` would use."""
    head = heads.load()
    intent = head.version if sentiment == "fast" else f"{head.version}>{head.encoder_name}"
    return f"{intent}+{_sentiment_version(sentiment)}+{RULES_VERSION}+lid176"


def refine(batch: SignalBatch, texts: Sequence[str], rows: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
    """The accurate pass over `rows` of `batch`, given the encoder's `vectors` of those rows' texts (in place).

    It re-scores sentiment (the encoder's head blended with the fast model,
    whose scores are in the batch already) and intent, needs_response and
    urgency (the intent heads' encoder head, whose complaint column reads
    that sentiment; the intent probabilities are blended with the fast
    head's, in the batch already, by `Heads.blend_intent`), with their reasons."""
    from goodwill.understand import sentiment as models

    accurate = models.load_accurate()
    chosen = [texts[int(i)] for i in rows]
    batch.sentiment_scores[rows] = accurate.from_vectors(vectors, chosen, batch.sentiment_scores[rows])
    model = heads.load()
    found = [rules.PHRASES.find(rules.words(t)) for t in chosen]
    features = model.fast.features(chosen, found)
    scores = model.encoder_scores(chosen, vectors, found, batch.sentiment_scores[rows], features)
    needs, urgent = heads.decide(scores, model.thresholds)
    urgent |= _urgent_phrase(found)
    intent = model.blend_intent(batch.intent_scores[rows], scores.intent)
    complaint = intent.argmax(axis=1) == _COMPLAINT
    batch.intent_scores[rows] = intent
    batch.needs_response[rows] = needs
    reasons = reasons_for(model, features, found, intent, urgent)
    for k, (row, level) in enumerate(zip(rows, _urgency(urgent, needs, complaint), strict=True)):
        batch.urgency[int(row)] = level
        if batch.reasons:
            batch.reasons[int(row)] = reasons[k]


def enrich(items: Sequence[str] | Sequence[HasText], *, sentiment: Mode = DEFAULT_MODE,
           is_brand: Sequence[bool] | None = None) -> SignalBatch:
    """The signals of each text (or each object with a `.text`), in order.

    :param sentiment: "cascade" (the default), "fast" or "accurate" (see above).
    :param is_brand: marks the brand's own messages, which never need a
        response and are never urgent (nor read by the cascade's encoder).
    :raises ModelUnavailableError: the encoder is needed and not installed.
    """
    from goodwill.understand import sentiment as models

    if sentiment not in MODES:
        raise ValueError(f"sentiment must be one of {', '.join(MODES)}, not {sentiment!r}")
    texts = [t.replace("\x00", " ") if "\x00" in t else t for t in _texts(items)]
    if sentiment != "fast":
        models.load_accurate()  # fail before any work when it is not installed
    ws = [rules.words(t) for t in texts]
    found = [rules.PHRASES.find(w) for w in ws]
    model = heads.load()
    sentiment_scores = np.asarray(models.load_fast().predict_proba(texts), dtype=np.float32)
    features = model.fast.features(texts, found)
    scores = model.fast_scores(texts, found, sentiment_scores, features)
    needs, urgent = heads.decide(scores, model.thresholds)
    urgent |= _urgent_phrase(found)
    intent_scores = scores.intent
    complaint = intent_scores.argmax(axis=1) == _COMPLAINT
    if is_brand is not None:
        # The brand's own messages never wait for an answer and are never urgent.
        own = np.asarray(is_brand, dtype=bool)
        needs &= ~own
        complaint &= ~own
        urgent &= ~own
    urgency = _urgency(urgent, needs, complaint)
    batch = SignalBatch(
        language=language.detect(texts, ws),
        sentiment_scores=sentiment_scores,
        intent_scores=intent_scores,
        needs_response=needs,
        urgency=urgency,
        aspects=[rules.aspects(t, w) for t, w in zip(texts, ws, strict=True)],
        promotional=np.fromiter((rules.promotional(t, w, f) for t, w, f in zip(texts, ws, found, strict=True)), dtype=np.float32,
                                count=len(texts)),
        model_version=model_version(sentiment),
        reasons=reasons_for(model, features, found, intent_scores, urgent),
    )
    if sentiment != "fast" and texts:
        if sentiment == "accurate":
            chosen = np.arange(len(texts), dtype=np.int64)
        else:
            gate = might_reach_inbox(batch.sentiment_scores, intent_scores, needs, urgency)
            if is_brand is not None:
                gate &= ~np.asarray(is_brand, dtype=bool)
            chosen = np.flatnonzero(gate)
        if len(chosen):
            from goodwill.understand.encoder import load_encoder

            refine(batch, texts, chosen, load_encoder().embed([texts[int(i)] for i in chosen]))
    return batch
