"""Importing files into the workspace.

An import is a change to the workspace: it needs the manager role, and its
audit entry (`import.run`: the file, format, records and new messages) is
written on the transaction that completes the run, so a file that fails its
checks leaves no entry, as it leaves no messages. An import that added
messages scores the people again (`people.rescore`) once it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from goodwill.config import Settings
from goodwill.domain.team import Actor, Role
from goodwill.ingest.readers import FORMATS, ImportOptions, parse_mapping
from goodwill.ingest.writer import ImportReport, import_file
from goodwill.service import people
from goodwill.service.audit import record, require
from goodwill.service.cases import on_new_messages
from goodwill.store import Connection, Store

__all__ = ["FORMATS", "IMPORT_ROLE", "ImportOptions", "ImportReport", "import_path", "parse_mapping"]

#: The role an import needs.
IMPORT_ROLE = Role.MANAGER


def import_path(
    store: Store,
    actor: Actor,
    settings: Settings,
    path: Path,
    options: ImportOptions,
    *,
    progress: Callable[[int], None] | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one file (see `goodwill.ingest.writer.import_file`) as `actor`; then, when it added messages,
    score the people again."""
    require(actor, IMPORT_ROLE)

    def audit(conn: Connection, report: ImportReport) -> None:
        record(conn, actor, "import.run", str(path), run=report.run_id, format=report.format,
               records=report.records, added=report.added, resumed_from=report.resumed_from, erased=report.erased)

    report = import_file(
        store,
        path,
        options,
        batch_size=settings.import_batch_size,
        parallel_bytes=settings.import_parallel_bytes,
        signals=settings.import_signals,
        progress=progress,
        on_validated=on_validated,
        on_finished=audit,
        on_new=on_new_messages(actor),
    )
    if report.added:
        people.rescore(store, actor)
    return report
