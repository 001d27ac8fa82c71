"""Plain text: one message per non-blank line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from goodwill.domain import ParsedMessage
from goodwill.ingest.readers.fields import Fields, build_message, clean, content_id
from goodwill.ingest.readers.lines import decoded_lines
from goodwill.ingest.readers.options import ImportOptions


def read_text(path: Path, encoding: str, options: ImportOptions) -> Iterator[ParsedMessage]:
    """One message per non-blank line. Ids come from the text, so re-imports add nothing."""
    platform = options.platform or "text"
    author = (options.author or "unknown").lstrip("@")
    created_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    seen: dict[str, int] = {}
    for number, line in decoded_lines(path, encoding):
        message = clean(line.rstrip("\r\n"))
        if not message.strip():
            continue
        digest = content_id(platform, author, message)
        seen[digest] = seen.get(digest, 0) + 1
        f = Fields(path, number, {"text": message}, {"text": "text"})
        yield build_message(
            f,
            platform=platform,
            platform_id=f"{digest}-{seen[digest]}",
            author=author,
            text=message,
            created_at=created_at,
            raw={"text": message, "line": number},
        )

