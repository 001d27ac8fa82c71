"""The shared encoder: texts in, sentence vectors out, on ONNX Runtime with int8 weights (no torch).

The encoder is all-MiniLM-L6-v2 fine-tuned on tweets by
``goodwill train --task sentiment`` and exported by
:mod:`goodwill.understand.training._export`. Every model that reads a
message closely (the accurate sentiment model, and any head trained on the
same vectors) shares one pass of it::

    from goodwill.understand.encoder import LinearHead, load_encoder

    encoder = load_encoder()            # once per process; ModelUnavailableError if not installed
    vectors = encoder.embed(texts)      # (len(texts), encoder.dimensions) float32, in input order
    head = LinearHead.load(folder / "head.npz")
    logits = head(vectors)              # (len(texts), labels)

``embed`` normalises texts as TweetEval does (``@user``, no links), cuts them
at :data:`MAX_TOKENS` word pieces, embeds each distinct text once, and
batches texts of similar length together so that little work goes into
padding. The vectors are the mean of the last layer over the text's tokens.

Files, in ``goodwill/understand/models/encoder``: ``encoder.onnx`` (int8),
``tokenizer.json``, ``vocab_map.npy`` (base token id -> embedding row; word
pieces rare in the training data read as ``[UNK]``), ``meta.json``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.errors import ModelUnavailableError
from goodwill.understand._textnorm import normalize

MAX_TOKENS = 64
MODEL_FILE = "encoder.onnx"
VOCAB_MAP_FILE = "vocab_map.npy"
ENCODER_DIR = Path(__file__).resolve().parent / "models" / "encoder"
BATCH_SIZE = 64

FloatArray = npt.NDArray[np.float32]

_threads = 0  # ONNX Runtime's intra-op threads; 0 lets it choose (one per core)


def set_threads(threads: int) -> None:
    """Threads for encoders loaded after this call (a worker process among several wants 1)."""
    global _threads
    _threads = threads
    load_encoder.cache_clear()


class Encoder:
    """An exported encoder folder, loaded for inference."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise ModelUnavailableError("the encoder needs onnxruntime: pip install onnxruntime") from exc
        from tokenizers import Tokenizer

        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            self.version: str = str(meta["version"])
            self.dimensions = int(meta["dimensions"])
            self.max_tokens = int(meta.get("max_tokens", MAX_TOKENS))
            self.vocab_map: npt.NDArray[np.int64] = np.load(path / VOCAB_MAP_FILE, allow_pickle=False).astype(np.int64)
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except FileNotFoundError as exc:
            raise ModelUnavailableError(f"the encoder is not installed: {exc.filename} is missing") from exc
        except Exception as exc:  # OSError, KeyError, ValueError; tokenizers raises plain Exception
            raise ModelUnavailableError(f"cannot read the encoder in {path}: {exc}") from exc
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads sleep rather than spin: the cores are shared with the fast path and other processes.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = onnxruntime.InferenceSession(str(path / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own error classes are not exported
            raise ModelUnavailableError(f"cannot load {path / MODEL_FILE}: {exc}") from exc

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids (rows of the pruned embedding table) of each text, [CLS] and [SEP] included."""
        encs = self.tokenizer.encode_batch([normalize(t) if isinstance(t, str) else "" for t in texts])
        return [e.ids for e in encs]

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Mean-pooled vectors, ``(len(texts), dimensions)`` float32, in input order."""
        first: dict[str, int] = {}
        which = np.fromiter((first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts))
        unique = list(first)
        out = np.zeros((len(unique), self.dimensions), dtype=np.float32)
        if not unique:
            return out
        ids = self.token_ids(unique)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")
        vocab_map = self.vocab_map
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            width = int(lengths[rows[-1]])
            mask = np.arange(width)[None, :] < lengths[rows][:, None]
            batch = np.zeros((len(rows), width), dtype=np.int64)
            batch[mask] = vocab_map[np.fromiter((t for r in rows for t in ids[r]), dtype=np.int64, count=int(mask.sum()))]
            out[rows] = self.session.run(None, {"input_ids": batch, "attention_mask": mask.astype(np.int64)})[0]
        return out[which]


def require(path: Path | None = None) -> None:
    """Check, without loading it, that the encoder (in `path`, default the package's) is installed.

    :raises ModelUnavailableError: naming what is missing, in one line.
    """
    import importlib.util

    path = path or ENCODER_DIR
    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelUnavailableError("the encoder needs onnxruntime, which is not installed: pip install onnxruntime")
    for name in (MODEL_FILE, VOCAB_MAP_FILE, "tokenizer.json", "meta.json"):
        if not (path / name).is_file():
            raise ModelUnavailableError(f"the encoder is not installed: {path / name} is missing")


@functools.cache
def load_encoder() -> Encoder:
    """The encoder shipped with the package (loaded once per process).

    :raises ModelUnavailableError: its files or onnxruntime are missing.
    """
    return Encoder(ENCODER_DIR, _threads)


class LinearHead:
    """``logits = vectors @ weight.T + bias``: a head trained on the encoder's vectors."""

    def __init__(self, weight: FloatArray, bias: FloatArray) -> None:
        if weight.ndim != 2 or bias.shape != (weight.shape[0],):
            raise ValueError(f"a head needs weight (labels, dimensions) and bias (labels,), not {weight.shape} and {bias.shape}")
        self.weight = weight.astype(np.float32)
        self.bias = bias.astype(np.float32)

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        """A head stored by ``numpy.savez(path, weight=..., bias=...)``."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["weight"], data["bias"])
        except FileNotFoundError as exc:
            raise ModelUnavailableError(f"the model head {path} is not installed") from exc
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot read the model head {path}: {exc}") from exc

    def __call__(self, vectors: FloatArray) -> FloatArray:
        out: FloatArray = vectors @ self.weight.T + self.bias
        return out


def describe() -> dict[str, Any]:
    """The installed encoder's ``meta.json`` (for status pages), or ``{}`` when there is none."""
    try:
        loaded: dict[str, Any] = json.loads((ENCODER_DIR / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded
