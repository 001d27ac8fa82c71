"""The accurate sentiment model: the shared encoder's sentiment head, averaged with the fast model.

Runs on ONNX Runtime (see :mod:`goodwill.understand.encoder`); no torch.
``models/sentiment_accurate`` holds ``head.npz`` (the fine-tuned linear head
on the encoder's vectors) and ``meta.json`` (the blend weight of the fast
model and the class offsets, tuned on TweetEval val).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from goodwill.errors import ModelUnavailableError
from goodwill.understand.encoder import Encoder, LinearHead
from goodwill.understand.sentiment import LABELS, FloatArray, SentimentModel, softmax

HEAD_FILE = "head.npz"


def log_softmax(logits: FloatArray) -> FloatArray:
    out: FloatArray = np.log(softmax(logits) + 1e-9).astype(np.float32)
    return out


class AccurateSentiment:
    """log p = (1 - w) log p_encoder + w log p_fast + class offsets, then renormalised."""

    def __init__(self, path: Path, encoder: Encoder, fast: SentimentModel, labels: Sequence[str] | None = LABELS) -> None:
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            self.version: str = str(meta["version"])
            self.fast_weight = float(meta["fast_weight"])
            self.offsets = np.asarray(meta["offsets"], dtype=np.float32)
        except FileNotFoundError as exc:
            raise ModelUnavailableError(f"the accurate sentiment model is not installed: {exc.filename} is missing") from exc
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelUnavailableError(f"cannot read {path / 'meta.json'}: {exc}") from exc
        self.labels: tuple[str, ...] = tuple(meta.get("labels", []))
        if (labels is not None and list(self.labels) != list(labels)) or self.offsets.shape != (len(self.labels),):
            raise ModelUnavailableError(f"{path / 'meta.json'}: labels {self.labels!r} or offsets do not match")
        self.head = LinearHead.load(path / HEAD_FILE)
        if self.head.weight.shape != (len(self.labels), encoder.dimensions):
            raise ModelUnavailableError(f"{path / HEAD_FILE}: shape {self.head.weight.shape} does not fit the encoder")
        self.encoder = encoder
        self.fast = fast

    def from_vectors(self, vectors: FloatArray, texts: Sequence[str], fast_probs: FloatArray | None = None) -> FloatArray:
        """Probabilities from the encoder's vectors of ``texts`` (and the fast model's, when already computed)."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logp = (1.0 - self.fast_weight) * log_softmax(self.head(vectors))
        if self.fast_weight:
            fast = self.fast.predict_proba(texts) if fast_probs is None else fast_probs
            logp += self.fast_weight * np.log(fast + 1e-9)
        return softmax(logp + self.offsets)

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.from_vectors(self.encoder.embed(texts), texts)
