"""Give or take: what one of the brand's own posts or replies does for its reader.

A post **gives** when it is for the reader's benefit (it helps, answers,
teaches, credits others' work or joins in the community) and **takes** when
it is for the brand's (it promotes, sells or asks the audience for
something); see docs/give-take.md for the rules the hand labels follow.

Two small logistic heads make the call, both trained on the train split of
the hand-labelled set (`labels/give_take.csv`) by :func:`fit`:

- the *words* head reads named cues (selling words, prices, calls to visit,
  how-tos, apologies, thanks...) and the message's shape (a reply, a link,
  shouting); it needs nothing but the text;
- the *full* head reads the same cues plus the shared sentence encoder's
  vector of the message (:mod:`goodwill.understand.encoder`), given by the
  caller (this package never loads models of its own).

Each reading names the words behind it, so a person can see why::

    reading = read_post("FLASH SALE: 15% off all panniers this weekend! Shop now")
    reading.kind, reading.subtype, reading.reason
    # ('take', 'sell', 'takes: sells ("sale", "15% off", "shop now")')
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from goodwill.errors import ModelUnavailableError

__all__ = [
    "KINDS",
    "MODEL_PATH",
    "Model",
    "Reading",
    "cue_features",
    "find_cues",
    "fit",
    "load_model",
    "read_post",
    "read_posts",
]

KINDS = ("give", "take", "neutral")
MODEL_PATH = Path(__file__).resolve().parent / "models" / "give_take.npz"

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Cue:
    name: str
    kind: str  # give or take
    subtype: str
    words: str  # how a reason names it
    pattern: re.Pattern[str]


def _cue(name: str, kind: str, subtype: str, words: str, pattern: str) -> Cue:
    return Cue(name, kind, subtype, words, re.compile(pattern, re.IGNORECASE))


#: The named cues; each is one feature of both heads and the words a reason quotes.
CUES: tuple[Cue, ...] = (
    _cue("price", "take", "sell", "sells", r"(?:[$£€₱]\s?\d[\d.,]*|\b\d+(?:\.\d+)?\s?%\s?off\b|\bfor (?:just|only)\b|\bonly \$)"),
    _cue("deal", "take", "sell", "sells",
         r"\b(?:sale|discounts?|deals?|promo(?: code)?|coupons?|special ?buys|black friday|cyber monday|bargains?)\b"),
    _cue("buy", "take", "sell", "sells",
         r"\b(?:buy(?: now| today)?|order (?:now|today|online|yours)|(?<!stop )shop(?: now)?|sign up (?:for|here|now|today)|(?:free|premium) trial|check(?:ing)? out our (?:new|latest)|our latest offers?|book (?:now|today|a seat)|pre-?orders?|stock up|get yours|add to cart|grab (?:one|yours))\b"),
    _cue("launch", "take", "promote", "promotes",
         r"\b(?:introducing|all-new|brand new|new (?:menu|flavou?r|look|collection)|is here|is back\b(?! up)|now (?:available|on)|launch(?:es|ed|ing)?|say hello to|coming soon)\b"),
    _cue("visit", "take", "promote", "asks for a visit",
         r"\b(?:stop by|swing by|come (?:by|on (?:in|over|by)|through|chill|in)|drop by|cruise (?:on )?by|see you (?:soon|then)|visit (?:us|soon|again)|head (?:this way|over)|hang(?:ing)? out (?:again )?soon|date soon|come back (?:again )?for more|coming back for more|what are you waiting for|love to see you|make our day)\b"),
    _cue("crave", "take", "promote", "promotes",
         r"\b(?:craving|cravings|treat yourself|deliciousness|taste buds|best (?:bike|product|prices?) ever|world famous)\b"),
    _cue("urgency", "take", "promote", "pushes",
         r"(?:\bdon'?t miss(?: out)?\b|\blimited(?:[- ]time)?\b|\bhurry\b|\bwhile (?:stocks?|supplies) last\b|\bonly on\b|\blast chance\b|\bends (?:soon|tonight)\b)"),
    _cue("app", "take", "promote", "promotes",
         r"\b(?:download (?:the|our|it)|get (?:the|our) app|on the app store|subscribe)\b"),
    _cue("contest", "take", "promote", "runs a contest",
         r"\b(?:sweepstakes|giveaway|up for grabs|enter to win|chance to win|win (?:a|the|one)|official rules|no purch)"),
    _cue("engage", "take", "ask", "asks for",
         r"\b(?:follow us for|retweet|rt to|tag (?:a|your) (?:friend|bestie)|let us know below|reply w(?:ith|/)|tweet (?:us )?your (?:favou?rite|best)|vote (?:for|now)|review us|rate us|leave (?:us )?a review|share your (?:story|stories|photos?))\b"),
    _cue("sorry", "give", "help", "helps",
         r"\b(?:sorry|apologi[sz]e|apologies|we understand|that'?s not the experience)\b"),
    _cue("dm", "give", "help", "helps",
         r"\b(?:dm|direct message|send us|reach out|contact (?:us|our)|call (?:us|our))\b"),
    _cue("assist", "give", "help", "helps",
         r"\b(?:help(?:'s here| you| with|ing)?|assist|look into|looking into|take a look|check (?:this|these|the following|that)|steps?|troubleshoot|workaround|fix(?:ed)?|restart|update (?:to|your)|resolved?)\b"),
    _cue("question", "give", "help", "asks what it needs to help",
         r"\b(?:what (?:device|version|happens|exactly|model|error)|which (?:device|version|model|ios|store|phone)|can you (?:tell|confirm|send|try|let)|could you|may we (?:have|know)|booking number|order number|account'?s?|error message)\b"),
    _cue("notice", "give", "help", "informs",
         r"\b(?:delay(?:ed|s)?|disruption|cancel(?:l)?ed|outage|back up|is down|recall|safety|affected|known issue|we'?re aware)\b"),
    _cue("howto", "give", "educate", "teaches",
         r"\b(?:here'?s how|how to|learn (?:how|more)|tips?|guide|did you know|make sure|find out how|quick check|step by step)\b"),
    _cue("credit", "give", "share", "credits others",
         r"\b(?:thanks for (?:sharing|letting us share|writing|posting)|rider story|photo (?:by|from|credit)|shared by|h/t|hat tip|story of|their (?:story|tips?)|with (?:your|their) permission)\b"),
    _cue("thanks", "give", "community", "thanks",
         r"\b(?:thank(?:s| you)|glad|congrat(?:s|ulations)?|appreciate|love (?:that|this|it|you|hearing)|enjoy|happy (?:holidays|thanksgiving|halloween|new year|birthday)|wishing|proud|cheers)\b"),
)
CUE_NAMES = tuple(c.name for c in CUES)
SHAPE_NAMES = ("reply", "link", "shouting", "exclaims", "question", "short")
FEATURE_NAMES = CUE_NAMES + SHAPE_NAMES

_HANDLE = re.compile(r"(?:^|\s)[@#]\w[\w.-]*")
_LINK = re.compile(r"https?://\S+|\b\w+\.example/\S*")
_WORD = re.compile(r"[^\W\d_]{2,}")
_SIGNATURE = re.compile(r"(?:[\^/-]\s?[A-Z]{1,4}|\*\w+)\s*$")


@dataclass(frozen=True)
class Reading:
    """One post's reading: give, take or neutral, a subtype, the model's
    probability that it takes (0-1) and the reasons in words."""

    kind: str
    subtype: str
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Model:
    """The two trained heads (weights over :data:`FEATURE_NAMES`, then the encoder's dimensions for the full head)."""

    words_weight: FloatArray
    words_bias: float
    full_weight: FloatArray
    full_bias: float
    encoder_version: str
    threshold: float = 0.5

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            features=np.array(FEATURE_NAMES),
            words_weight=self.words_weight.astype(np.float32),
            words_bias=np.float32(self.words_bias),
            full_weight=self.full_weight.astype(np.float16),  # 384 + 24 weights: half precision loses nothing that matters
            full_bias=np.float32(self.full_bias),
            encoder_version=np.array(self.encoder_version),
            threshold=np.float32(self.threshold),
        )

    @classmethod
    def load(cls, path: Path) -> Model:
        try:
            with np.load(path, allow_pickle=False) as f:
                if tuple(str(n) for n in f["features"]) != FEATURE_NAMES:
                    raise ModelUnavailableError(f"{path} was trained on other cues; rebuild it (goodwill train --task give-take)")
                return cls(
                    words_weight=f["words_weight"].astype(np.float32),
                    words_bias=float(f["words_bias"]),
                    full_weight=f["full_weight"].astype(np.float32),
                    full_bias=float(f["full_bias"]),
                    encoder_version=str(f["encoder_version"]),
                    threshold=float(f["threshold"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot read the give-or-take model {path}: {exc}") from exc

    @property
    def version(self) -> str:
        return f"give-take-2+{self.encoder_version}"


@functools.lru_cache(maxsize=2)
def load_model(path: Path = MODEL_PATH) -> Model:
    """The trained heads (cached per process)."""
    return Model.load(path)


def _body(text: str) -> str:
    return _SIGNATURE.sub("", _LINK.sub(" ", _HANDLE.sub(" ", text))).strip()


def find_cues(text: str) -> dict[str, list[str]]:
    """The cues found in a text, each with the words that matched (as written)."""
    body = _LINK.sub(" ", text)
    found: dict[str, list[str]] = {}
    for cue in CUES:
        hits = [m.group(0).strip() for m in cue.pattern.finditer(body)]
        if hits:
            found[cue.name] = list(dict.fromkeys(hits))
    return found


def _shape(text: str, is_reply: bool) -> list[float]:
    body = _body(text)
    words = body.split()
    caps = sum(1 for w in words if len(w) > 2 and w.isupper())
    return [
        1.0 if is_reply else 0.0,
        1.0 if _LINK.search(text) else 0.0,
        1.0 if caps >= 2 else 0.0,
        1.0 if body.count("!") >= 2 else 0.0,
        1.0 if "?" in body else 0.0,
        1.0 if len(words) <= 8 else 0.0,
    ]


def cue_features(texts: Sequence[str], is_reply: Sequence[bool] | None = None) -> FloatArray:
    """The words head's features: one column per cue (0/1), then the shape."""
    replies = is_reply if is_reply is not None else [t.lstrip().startswith("@") for t in texts]
    out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    for i, (text, reply) in enumerate(zip(texts, replies, strict=True)):
        found = find_cues(text)
        for j, cue in enumerate(CUES):
            out[i, j] = 1.0 if cue.name in found else 0.0
        out[i, len(CUES) :] = _shape(text, bool(reply))
    return out


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -30, 30))))


def _quote(words: list[str]) -> str:
    return ", ".join(f"\u201c{w}\u201d" for w in words[:4])


def _subtype(kind: str, found: dict[str, list[str]], is_reply: bool) -> str:
    by_cue = {c.name: c for c in CUES}
    counts: dict[str, int] = {}
    for name in found:
        cue = by_cue[name]
        if cue.kind == kind:
            counts[cue.subtype] = counts.get(cue.subtype, 0) + len(found[name])
    if kind == "take":
        for subtype in ("sell", "ask"):
            if counts.get(subtype):
                return subtype
        return "promote"
    if counts.get("share"):
        return "share"
    if not is_reply and counts.get("educate", 0) >= max(1, counts.get("help", 0)):
        return "educate"
    if is_reply or counts.get("help", 0) > 0:
        if counts.get("help", 0) == 0 and counts.get("community"):
            return "community"
        return "help"
    if counts.get("educate"):
        return "educate"
    return "community" if counts.get("community") else "educate"


def _shape_words(text: str, is_reply: bool) -> str:
    shape = _shape(text, is_reply)
    parts = ["a reply" if is_reply else "a post of its own, not a reply"]
    if shape[1]:
        parts.append("with a link")
    if shape[2] or shape[3]:
        parts.append("shouting")
    return ", ".join(parts)


def _reasons(kind: str, score: float, found: dict[str, list[str]], used_encoder: bool, shape: str) -> tuple[str, ...]:
    by_cue = {c.name: c for c in CUES}
    grouped: dict[str, list[str]] = {}
    for name, words in found.items():
        cue = by_cue[name]
        if cue.kind == kind:
            grouped.setdefault(cue.words, []).extend(words)
    verb = "gives" if kind == "give" else "takes"
    parts = [f"{label} ({_quote(words)})" for label, words in grouped.items()]
    whole = "its shape and the sentence as a whole" if used_encoder else "its shape"
    reasons = [f"{verb}: " + "; ".join(parts)] if parts else [f"{verb}: no telling words; read from {whole} ({shape})"]
    against = [w for name, words in found.items() if by_cue[name].kind != kind for w in words]
    if against:
        reasons.append(f"despite {_quote(against)}")
    share = score if kind == "take" else 1 - score
    reasons.append(f"{round(share * 100)}% sure ({'cues and the shared encoder' if used_encoder else 'cues only'})")
    return tuple(reasons)


def read_posts(
    texts: Sequence[str],
    *,
    is_reply: Sequence[bool] | None = None,
    vectors: FloatArray | None = None,
    model: Model | None = None,
) -> list[Reading]:
    """Read many posts at once. With ``vectors`` (the shared encoder's, one
    row per text) the full head decides; without, the words head."""
    model = model or load_model()
    replies = list(is_reply) if is_reply is not None else [t.lstrip().startswith("@") for t in texts]
    features = cue_features(texts, replies).astype(np.float64)
    if vectors is not None:
        if len(vectors) != len(texts):
            raise ValueError(f"{len(vectors)} vectors for {len(texts)} texts")
        x = np.hstack([features, vectors.astype(np.float64)])
        scores = _sigmoid(x @ model.full_weight.astype(np.float64) + model.full_bias)
    else:
        scores = _sigmoid(features @ model.words_weight.astype(np.float64) + model.words_bias)
    readings = []
    for text, reply, score in zip(texts, replies, scores, strict=True):
        if len(_WORD.findall(_body(text))) < 2:
            readings.append(Reading("neutral", "other", round(float(score), 4), ("too few words to tell",)))
            continue
        found = find_cues(text)
        kind = "take" if score >= model.threshold else "give"
        readings.append(
            Reading(kind, _subtype(kind, found, reply), round(float(score), 4),
                    _reasons(kind, float(score), found, vectors is not None, _shape_words(text, reply)))
        )
    return readings


def read_post(text: str, *, is_reply: bool | None = None, vector: FloatArray | None = None) -> Reading:
    """One post's reading (a draft, say): give, take or neutral, with its reasons."""
    replies = None if is_reply is None else [is_reply]
    vectors = None if vector is None else np.asarray(vector, dtype=np.float32).reshape(1, -1)
    return read_posts([text], is_reply=replies, vectors=vectors)[0]


def fit(
    texts: Sequence[str],
    is_reply: Sequence[bool],
    takes: Sequence[bool],
    vectors: FloatArray,
    *,
    encoder_version: str,
    seed: int = 13,
) -> Model:
    """Train both heads (logistic regression) on labelled posts."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(takes, dtype=np.int64)
    words = cue_features(texts, is_reply).astype(np.float64)
    full = np.hstack([words, vectors.astype(np.float64)])
    heads = []
    # C and the class weights chosen by 5-fold cross-validation on the train split (F1 of take):
    # the words head needs balanced weights to find taking posts at all; the full head reads
    # better without them (fewer giving posts called take).
    for x, c, weights in ((words, 0.3, "balanced"), (full, 1.0, None)):
        clf = LogisticRegression(C=c, class_weight=weights, max_iter=2000, random_state=seed)
        clf.fit(x, y)
        heads.append((clf.coef_[0].astype(np.float32), float(clf.intercept_[0])))
    return Model(heads[0][0], heads[0][1], heads[1][0], heads[1][1], encoder_version)
