"""Train the understanding models: `python -m goodwill.understand.training.train` (or `goodwill train`).

`--task intent` (the default) trains the intent, needs_response and urgency
heads (`train_heads`) from the committed labels (`labels/care.csv`,
`labels/intent.csv`) joined with the message texts from the shared data
folder, and scores them on the held-out sets it never trained on.
`--fast-only` trains the fast head alone (no encoder, no torch) and writes
it beside an existing encoder head. `--task sentiment` hands over to
`goodwill.understand.training.train_sentiment`. Training is seeded and
deterministic: the same labels give the same weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from goodwill.understand.training.corpus import data_dir
from goodwill.understand.training.train_heads import MODELS_DIR


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goodwill.understand.training.train", description="Train the understanding models.")
    parser.add_argument("--task", choices=("intent", "sentiment", "all"), default="intent")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where the heads go (default: the package's models folder)")
    parser.add_argument("--fast-only", action="store_true", help="train only the fast head (no encoder needed)")
    args = parser.parse_args(argv)
    if args.task in ("intent", "all"):
        from goodwill.understand.training import train_heads

        if args.fast_only:
            version = train_heads.write_fast_only(data_dir(args.data), args.out)
            print(f"fast head {version} written to {args.out}")
        else:
            train_heads.print_report(train_heads.train_and_write(data_dir(args.data), args.out))
    if args.task in ("sentiment", "all"):
        from goodwill.understand.training import train_sentiment

        train_sentiment.main(["--task", "sentiment"])


if __name__ == "__main__":
    main()
