"""The cascade's gate: how many messages it sends to the encoder, and what a
tighter gate would cost in inbox recall, on the hand-labelled care test split.

    python benchmarks/gate_bench.py

For each gate: the share of messages it sends to the encoder, on the care test
split (customer messages to brands) and on the TweetEval sentiment test (a
general stream of tweets), and on the care test split the recall and precision
of needs_response and of `intent == complaint`, and the recall of questions,
when the gated messages take the encoder's signals and the others keep the
fast models'. The encoder's CPU time per message, measured here, bounds the
default's rate: at s ms a message and a share g sent to it, the cascade
cannot pass 1000 / (s g) messages per CPU-second.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from goodwill.domain.signals import INTENTS
from goodwill.understand import enrich as E
from goodwill.understand.encoder import load_encoder
from goodwill.understand.signals import SignalBatch
from goodwill.understand.training import care
from goodwill.understand.training._data import tweeteval_split

C, Q = INTENTS.index("complaint"), INTENTS.index("question")


def gates(b: SignalBatch) -> dict[str, npt.NDArray[np.bool_]]:
    ss, ii = b.sentiment_scores, b.intent_scores
    urgent = np.array([u == "high" for u in b.urgency])
    asks = ii[:, Q] + ii[:, C]
    out = {"none (--fast)": np.zeros(len(ss), bool),
           "the gate (needs, asks>=0.3, neg>=0.5, urgent, unsure<0.45)": E.might_reach_inbox(ss, ii, b.needs_response, b.urgency)}
    for a, neg in ((0.3, 0.5), (0.5, 0.7), (0.6, 0.7)):
        out[f"needs, urgent, asks>={a}, neg>={neg}"] = b.needs_response | urgent | (asks >= a) | (ss[:, 0] >= neg)
    out["needs or urgent only"] = b.needs_response | urgent
    out["all (--accurate)"] = np.ones(len(ss), bool)
    return out


def main() -> None:
    test = [x for x in care.messages() if x.split == "test"]
    texts = [x.message.text for x in test]
    need_gold = np.array([x.needs_response for x in test])
    comp_gold = np.array([x.intent == "complaint" for x in test])
    q_gold = np.array([x.intent == "question" for x in test])
    fast = E.enrich(texts, sentiment="fast")
    read = E.enrich(texts, sentiment="fast")
    t = time.process_time()
    vectors = load_encoder().embed(texts)
    per_message = (time.process_time() - t) / len(texts) * 1000
    E.refine(read, texts, np.arange(len(texts), dtype=np.int64), vectors)
    stream, _ = tweeteval_split("sentiment", "test")
    on_stream = gates(E.enrich(stream, sentiment="fast"))
    print(f"care test split: {len(texts)} messages; TweetEval sentiment test: {len(stream)} tweets; "
          f"encoder {per_message:.2f} ms CPU a message\n")
    print("| gate | share sent (care) | share sent (TweetEval) | rate bound, msg/CPU-s (TweetEval) | needs_response recall | precision "
          "| complaint recall | precision | question recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, g in gates(fast).items():
        need = np.where(g, read.needs_response, fast.needs_response)
        intent = np.where(g, read.intent_scores.argmax(1), fast.intent_scores.argmax(1))
        comp, q = intent == C, intent == Q
        share = float(on_stream[name].mean())
        bound = f"{1000 / (per_message * share):,.0f}" if share else "—"
        cells = [g.mean(), share]
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells) + f" | {bound} | "
              + " | ".join(f"{v:.3f}" for v in ((need & need_gold).sum() / need_gold.sum(), (need & need_gold).sum() / max(1, need.sum()),
                                                 (comp & comp_gold).sum() / comp_gold.sum(), (comp & comp_gold).sum() / max(1, comp.sum()),
                                                 (q & q_gold).sum() / q_gold.sum())) + " |")


if __name__ == "__main__":
    main()
