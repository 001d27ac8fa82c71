"""The training embeddings' cache: vectors are computed once per text and encoder, and a newly installed
shared encoder never reads an older one's vectors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from goodwill.understand import encoder
from goodwill.understand.training import embeddings


def test_the_shared_encoders_cache_is_named_by_its_version_and_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_CACHE", str(tmp_path))
    version = encoder.describe().get("version", "none")
    assert embeddings.cache_path("heads", None).name.startswith(f"embeddings-heads-{version}-")
    folder = tmp_path / "encoder"
    folder.mkdir()
    (folder / "meta.json").write_text('{"version": "encoder-next-9"}', encoding="utf-8")
    monkeypatch.setattr(encoder, "ENCODER_DIR", folder)
    assert embeddings.cache_path("heads", None) == tmp_path / "embeddings-heads-encoder-next-9-none.npz"
    (folder / encoder.MODEL_FILE).write_bytes(b"weights of one run")
    first = embeddings.cache_path("heads", None)
    (folder / encoder.MODEL_FILE).write_bytes(b"weights of a rebuild under the same version")
    second = embeddings.cache_path("heads", None)
    assert first != second and first.name.startswith("embeddings-heads-encoder-next-9-")
    assert embeddings.cache_path("heads", lambda texts: np.zeros((len(texts), 2), dtype=np.float32)) == tmp_path / "embeddings-heads.npz"


def test_each_text_is_embedded_once_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_CACHE", str(tmp_path))
    asked: list[str] = []

    def lengths(texts: Sequence[str]) -> np.ndarray:
        asked.extend(texts)
        return np.array([[len(t), t.count("l")] for t in texts], dtype=np.float32)

    first = embeddings.embed(["hello", "world", "hello"], lengths, "probe", progress=False)
    again = embeddings.embed(["world", "new one"], lengths, "probe", progress=False)
    assert asked == ["hello", "world", "new one"]
    assert first.tolist() == [[5, 2], [5, 1], [5, 2]] and again.tolist() == [[5, 1], [7, 0]]
    assert (tmp_path / "embeddings-probe.npz").exists()
