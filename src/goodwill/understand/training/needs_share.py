"""Would mixing the fast head's p(needs_response) into the encoder head's help the cascade? A measurement.

`python -m goodwill.understand.training.needs_share` reads the weak labels'
held-out split (`sets.weak_items(data, "heldout")`: TWCS customer tweets and
Tweet Acts' general tweets, split off by conversation and never trained on,
neither by the heads nor by the encoder's fine-tuning; texts also in a
held-out test set or in the training items are left out) with the installed
heads and encoder, as the cascade does: the fast head's p(needs_response)
on every message, and, on the messages the gate sends to the encoder, each
share in `SHARES` of the encoder head's mixed with the rest of the fast
head's (the shipped cascade uses the encoder head's alone, share 1). It
prints needs_response F1, precision and recall per share and the share with
the best F1. The care set's and complaints_uva2015's held-out sets are not
read. What it found, and why the cascade does not mix them, is in
docs/models.md ("Measured, not shipped").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from goodwill.understand.training import sets
from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.train_heads import binary_report

#: The encoder head's shares of p(needs_response) tried.
SHARES = tuple(round(0.1 * k, 1) for k in range(11))


def needs_probabilities(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text: the fast head's p(needs_response), the encoder head's (0 where the gate does not send the
    text to the encoder) and whether it does."""
    from goodwill.understand import heads, rules
    from goodwill.understand import sentiment as models
    from goodwill.understand.encoder import load_encoder
    from goodwill.understand.enrich import enrich, might_reach_inbox

    model = heads.load()
    found = [rules.PHRASES.find(rules.words(t)) for t in texts]
    batch = enrich(texts, sentiment="fast")  # the fast signals, as the cascade's gate reads them
    fast = model.fast_scores(texts, found, batch.sentiment_scores).needs_response
    gate = might_reach_inbox(batch.sentiment_scores, batch.intent_scores, np.asarray(batch.needs_response), batch.urgency)
    rows = np.flatnonzero(gate)
    chosen = [texts[int(i)] for i in rows]
    vectors = load_encoder().embed(chosen)
    accurate = models.load_accurate().from_vectors(vectors, chosen, batch.sentiment_scores[rows])
    encoder = np.zeros(len(texts), dtype=np.float32)
    encoder[rows] = model.encoder_scores(chosen, vectors, [found[int(i)] for i in rows], accurate).needs_response
    return fast, encoder, gate


def by_share(gold: list[bool], fast: np.ndarray, encoder: np.ndarray, gate: np.ndarray) -> dict[float, dict[str, float]]:
    """needs_response scores (threshold 0.5) for each share of the encoder head's p(needs_response)."""
    return {share: binary_report(gold, list(map(bool, np.where(gate, share * encoder + (1 - share) * fast, fast) >= 0.5)))
            for share in SHARES}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.needs_share",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    args = parser.parse_args(argv)
    data = data_dir(args.data)
    # Texts that are also in a held-out test set or trained on (retweets, repeats) are left out.
    skip = sets.held_out(data) | {sets.key(i.text) for i in sets.training(data)}
    items, seen = [], set()
    for item in sets.weak_items(data, "heldout"):
        k = sets.key(item.text)
        if item.needs is not None and k not in skip and k not in seen:
            seen.add(k)
            items.append(item)
    gold = [bool(i.needs) for i in items]
    fast, encoder, gate = needs_probabilities([i.text for i in items])
    print(f"weak labels, held-out split: {len(items)} messages, {sum(gold)} need a response; the gate sends {gate.mean():.3f}")
    scores = by_share(gold, fast, encoder, gate)
    for share, r in scores.items():
        print(f"encoder share {share:.1f}: needs_response F1 {r['f1']:.3f} (P {r['precision']:.3f}, R {r['recall']:.3f})")
    best = max(SHARES, key=lambda share: scores[share]["f1"])
    print(f"best share: {best}")


if __name__ == "__main__":
    main()
