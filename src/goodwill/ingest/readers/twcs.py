"""Customer Support on Twitter (twcs): Kaggle's export of support conversations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from goodwill.domain import ParsedMessage
from goodwill.errors import ImportFileError
from goodwill.ingest.readers.fields import Fields, build_message
from goodwill.ingest.readers.lines import csv_records
from goodwill.ingest.readers.options import MAX_HANDLE, ImportOptions

TWCS_COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)


def read_twcs(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """Customer Support on Twitter. `inbound` (True/False, or 1/0 like any
    yes/no field) marks customers' tweets as not the brand's; the companies'
    tweets are left for the workspace to judge, so only its own brand accounts
    count as the brand (the file holds many companies)."""
    reader = Fields(path, 1, {}, {c: c for c in TWCS_COLUMNS})
    header_checked = False
    for number, record in csv_records(path, encoding):
        if not header_checked:
            missing = [c for c in TWCS_COLUMNS if c not in record]
            if missing:
                raise ImportFileError(str(path), 1, missing[0], "twcs column missing from the header")
            header_checked = True
        f = reader.at(number, record)
        inbound = f.boolean("inbound")
        if inbound is None:
            raise f.error("inbound", "is missing (True or False)")
        tweet_id = f.identifier("tweet_id", required=True)
        author = f.text("author_id", required=True, limit=MAX_HANDLE)
        text = f.text("text") or ""
        assert tweet_id is not None and author is not None
        yield build_message(
            f,
            platform=options.platform or "twitter",
            platform_id=tweet_id,
            author=author,
            text=text,
            created_at=f.time("created_at", options.default_tz),
            raw=record,
            reply_to_id=f.identifier("in_response_to_tweet_id"),
            is_brand=False if inbound else None,
            url=None,
        )

