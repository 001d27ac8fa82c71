"""Helpers of the hand-labelled sets: a short hash of a text (so a label file
can name a message without holding its text) and a seeded position in [0, 1)
for a key, from which samples and splits are drawn reproducibly."""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """The first 12 hex digits of the text's SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def seeded_unit(seed: str, key: tuple[str, ...]) -> float:
    """A number in [0, 1) fixed by the seed and the key."""
    digest = hashlib.sha256((seed + "|" + "|".join(key)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
