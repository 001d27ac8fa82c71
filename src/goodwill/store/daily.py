"""Messages per UTC day and platform (`message_days`), kept up to date by ingest.

The overview reads these few rows instead of counting every message.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def count_new_messages(conn: Connection, after_id: int, run_id: int) -> None:
    """Add the messages of run `run_id` stored after id `after_id` (one batch) to the daily counts."""
    day = "substr(created_at, 1, 10)" if conn.dialect.name == "sqlite" else "to_char(created_at, 'YYYY-MM-DD')"
    conn.execute(
        text(
            "INSERT INTO message_days (day, platform, messages, brand_messages) "
            f"SELECT {day}, platform, count(*), sum(CASE WHEN is_brand THEN 1 ELSE 0 END) FROM messages "
            "WHERE id > :after AND ingest_run_id = :run GROUP BY 1, 2 "
            "ON CONFLICT (day, platform) DO UPDATE SET messages = message_days.messages + excluded.messages, "
            "brand_messages = message_days.brand_messages + excluded.brand_messages"
        ),
        {"after": after_id, "run": run_id},
    )
