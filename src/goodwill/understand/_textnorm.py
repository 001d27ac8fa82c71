"""Text normalisation shared by training and inference: the TweetEval conventions."""

from __future__ import annotations

import re

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Mentions become ``@user``, links are dropped and whitespace is collapsed, as in TweetEval."""
    text = _URL.sub(" ", text)
    text = _HANDLE.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
