"""Sentence embeddings for training the heads, computed once and cached on disk.

Training the intent, needs-response and urgency heads needs the shared
encoder's embedding of every training text. Computing them is the slow part
(a few hundred texts a second on two cores), so they are cached outside the
repository (``$GOODWILL_CACHE``, default ``~/.cache/goodwill``), keyed by the
encoder's name (and the installed encoder's version and weights) and a hash of each text; a
second training run reads them back.

The encoder is the one the cascade runs (`goodwill.understand.encoder`):
the accurate sentiment model's fine-tuned all-MiniLM-L6-v2, mean-pooled.
The heads are trained on the ONNX int8 encoder's vectors, what the cascade
computes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from goodwill.understand._textnorm import normalize

Floats = npt.NDArray[np.float32]
Encoder = Callable[[Sequence[str]], Floats]
ENCODER_NAME = "sentiment-accurate-minilm-mean"
DIM = 384


def cache_dir() -> Path:
    return Path(os.environ.get("GOODWILL_CACHE") or Path.home() / ".cache" / "goodwill")


def _key(text: str) -> bytes:
    return hashlib.sha256(normalize(text).encode("utf-8")).digest()[:16]


def shared_encoder(threads: int = 2) -> Encoder:
    """The shared sentence encoder the cascade runs (`understand.encoder`, ONNX Runtime), as a
    function from texts to vectors: training reads exactly what the cascade computes."""
    from goodwill.understand.encoder import load_encoder, set_threads

    set_threads(threads)
    return load_encoder().embed


def cache_path(name: str, encoder: Encoder | None) -> Path:
    """The cache file of an encoder's vectors: for the shared encoder (`encoder` None) its name, the
    installed encoder's version and the start of its weights' SHA-256, so a newly trained encoder never
    reads an older one's vectors, even when a rebuild keeps the version's name."""
    if encoder is None:
        from goodwill.understand.encoder import ENCODER_DIR, MODEL_FILE, describe

        weights = ENCODER_DIR / MODEL_FILE
        digest = _digest(weights, weights.stat().st_mtime_ns, weights.stat().st_size) if weights.exists() else "none"
        name = f"{name}-{describe().get('version', 'none')}-{digest}"
    return cache_dir() / f"embeddings-{name}.npz"


@functools.lru_cache(maxsize=4)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    """The start of a file's SHA-256, read once per version of the file (its time and size are the key):
    the cross-validations embed a few times per fold, and the encoder file is 19 MB."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def embed(texts: Sequence[str], encoder: Encoder | None = None, name: str = ENCODER_NAME, *, progress: bool = True) -> Floats:
    """The embedding of each text, from the cache where it has one; new ones are computed and added."""
    path = cache_path(name, encoder)
    keys: list[bytes] = []
    vectors: list[Floats] = []
    index: dict[bytes, int] = {}
    if path.exists():
        with np.load(path) as z:
            stored_keys = z["keys"]
            stored = z["vectors"].astype(np.float32)
        index = {bytes(k): i for i, k in enumerate(stored_keys)}
        keys = [bytes(k) for k in stored_keys]
        vectors = [stored]
    wanted = [_key(t) for t in texts]
    missing: dict[bytes, str] = {}
    for k, t in zip(wanted, texts, strict=True):
        if k not in index and k not in missing:
            missing[k] = t
    if missing:
        encode = encoder or shared_encoder()
        todo = list(missing.items())
        step = 2048
        for start in range(0, len(todo), step):
            chunk = todo[start:start + step]
            t0 = time.perf_counter()
            vecs = encode([t for _, t in chunk])
            if progress:
                print(f"embedded {start + len(chunk)}/{len(todo)} new texts ({len(chunk) / (time.perf_counter() - t0):.0f}/s)",
                      file=sys.stderr)
            for k, _ in chunk:
                index[k] = len(keys)
                keys.append(k)
            vectors.append(vecs)
            allv = np.concatenate(vectors)
            vectors = [allv]
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(keys, dtype="S16"), vectors=allv.astype(np.float16))
            tmp.replace(path)
    allv = np.concatenate(vectors) if vectors else np.zeros((0, DIM), dtype=np.float32)
    return allv[[index[k] for k in wanted]].astype(np.float32)
