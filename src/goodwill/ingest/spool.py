"""Reading a file in a second process while the first one writes.

An import reads its file twice over in effect: once to check every record
before anything is committed, and once to store them. For big files a child
process (`python -m goodwill.ingest.spool`) does the reading once: it parses and
checks the file and writes the parsed records to a spool file in batches,
which the importing process reads back while the child is still going, so
parsing and writing share the two cores. The child's last word, on standard
output, is the verdict on the whole file: its record counts, or the error
that names the bad line and field.

The child also does the pure half of storing (`goodwill.ingest.prepare.prepare`), so
the spool holds batches ready to write; every other batch leaves its
messages' signals to the writer, which shares the work that way. Spool frames: a 4-byte little-endian
length, then a `Prepared` batch as JSON. An empty frame ends the spool.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import orjson

from goodwill.domain import ParsedMessage
from goodwill.errors import ConfigError, GoodwillError, ImportFileError
from goodwill.ingest.prepare import Prepared, prepare
from goodwill.ingest.readers import ImportOptions, read_messages

#: Files at least this big are read by a child process (see Settings.import_parallel_bytes).
CHILD_PROCESS_BYTES = 4 << 20
_LENGTH = struct.Struct("<I")

Counts = tuple[int, dict[str, int]]


def count(messages: Iterator[ParsedMessage], counts: dict[str, int]) -> Iterator[ParsedMessage]:
    for m in messages:
        counts[m.platform] = counts.get(m.platform, 0) + 1
        yield m


class ParsedFile:
    """The messages of a file, checked whole and delivered in batches.

    `verdict()` returns the counts once the whole file is known to be good
    (None while that is not known yet) and raises the file's error if it is
    bad; `wait()` blocks for it. Small files are read here, first; big ones
    by a child process, alongside.
    """

    def __init__(
        self,
        path: Path,
        options: ImportOptions,
        brand_accounts: dict[str, list[str]],
        *,
        batch_size: int,
        skip: int = 0,
        parallel_bytes: int = CHILD_PROCESS_BYTES,
        signals: bool = True,
    ) -> None:
        self.batch_size, self.skip, self.brand_accounts, self.signals = batch_size, skip, brand_accounts, signals
        self._items: list[ParsedMessage] | None = None
        self._verdict: Counts | None = None
        self._error: BaseException | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._spool: BinaryIO | None = None
        # The child's warnings go to a file, not a pipe that could fill up and stall it.
        self._stderr: BinaryIO | None = None
        spec = options_to_json(options, brand_accounts, signals)
        if path.stat().st_size >= parallel_bytes and spec is not None:
            # The spool has no name once both ends hold it open, so nothing is
            # left behind even if either process is killed.
            write_fd, name = tempfile.mkstemp(prefix="goodwill-import-", suffix=".spool")
            try:
                self._spool = open(name, "rb")  # noqa: SIM115 - closed in close()
            finally:
                os.unlink(name)
            self._stderr = tempfile.TemporaryFile()
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "goodwill.ingest.spool", str(path), spec, str(write_fd), str(batch_size), str(os.getpid())],
                    stdout=subprocess.PIPE,
                    stderr=self._stderr,
                    pass_fds=(write_fd,),
                )
            finally:
                os.close(write_fd)
        else:
            per_platform: dict[str, int] = {}
            self._items = list(count(read_messages(path, options), per_platform))  # raises for a bad file
            self._verdict = (len(self._items), per_platform)

    def batches(self) -> Iterator[Prepared]:
        """Prepared batches from record `skip` on. A batch the skip point falls
        inside is delivered whole (storing is idempotent), counting only the
        records past the skip point."""
        if self._items is not None:
            items = self._items[self.skip :]
            for i in range(0, len(items), self.batch_size):
                yield prepare(items[i : i + self.batch_size], self.brand_accounts, signals=self.signals)
            return
        assert self._spool is not None
        skip = self.skip
        while (frame := self._frame(self._spool)) is not None:
            batch = Prepared.from_json(frame)
            if skip >= batch.records:
                skip -= batch.records
                continue
            batch.records -= skip
            skip = 0
            yield batch
        self.wait()

    def _frame(self, fh: BinaryIO) -> bytes | None:
        header = self._read(fh, _LENGTH.size)
        if header is None:
            return None
        (length,) = _LENGTH.unpack(header)
        if length == 0:
            return None
        body = self._read(fh, length)
        if body is None:
            raise RuntimeError("the reading process stopped in the middle of a batch")
        return body

    def _read(self, fh: BinaryIO, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = fh.read(n - len(data))
            if chunk:
                data += chunk
                continue
            if self._proc is not None and self._proc.poll() is not None:
                if fh.read(1):  # written just before the child exited
                    fh.seek(-1, os.SEEK_CUR)
                    continue
                self.wait()  # raises the file's error, if that is why it stopped
                return None
            time.sleep(0.002)
        return data

    def verdict(self) -> Counts | None:
        if self._verdict is None and self._error is None and self._proc is not None and self._proc.poll() is not None:
            self._collect()
        if self._error is not None:
            raise self._error
        return self._verdict

    def wait(self) -> Counts:
        if self._verdict is None and self._error is None and self._proc is not None:
            self._collect()
        if self._error is not None:
            raise self._error
        assert self._verdict is not None
        return self._verdict

    def _collect(self) -> None:
        assert self._proc is not None
        out, _ = self._proc.communicate()
        try:
            report = orjson.loads(out)
        except orjson.JSONDecodeError:
            err = b""
            if self._stderr is not None:
                self._stderr.seek(0)
                err = self._stderr.read()
            self._error = RuntimeError(
                f"reading the file failed (exit {self._proc.returncode}): {err.decode(errors='replace')[-2000:]}"
            )
            return
        if "error" in report:
            e = report["error"]
            if e["kind"] == "file":
                self._error = ImportFileError(e["path"], e["line"], e["field"], e["problem"])
            else:
                self._error = ConfigError(e["message"])
        else:
            self._verdict = (report["records"], report["platforms"])

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for fh in (self._spool, self._stderr):
            if fh is not None:
                fh.close()


def options_to_json(options: ImportOptions, brand_accounts: dict[str, list[str]], signals: bool = True) -> str | None:
    """The options as JSON for a child process, or None if they cannot travel."""
    tz = options.default_tz
    if tz is UTC:
        zone = "UTC"
    elif isinstance(tz, ZoneInfo):
        zone = tz.key
    else:
        return None
    return orjson.dumps(
        {
            "format": options.format,
            "platform": options.platform,
            "mapping": dict(options.mapping),
            "encoding": options.encoding,
            "author": options.author,
            "zone": zone,
            "brand_accounts": brand_accounts,
            "signals": signals,
        }
    ).decode()


def _child(path: Path, spec: dict[str, Any], spool_fd: int, batch_size: int, parent: int) -> dict[str, Any]:
    zone, brand_accounts, signals = spec.pop("zone"), spec.pop("brand_accounts"), spec.pop("signals", True)
    options = ImportOptions(**spec, default_tz=UTC if zone == "UTC" else ZoneInfo(zone))
    per_platform: dict[str, int] = {}
    total = 0
    batch: list[ParsedMessage] = []
    try:
        with open(spool_fd, "wb") as out:

            flushed = [0]

            def flush() -> None:
                # Signals are the costliest part of preparing; every other
                # batch leaves them to the writer, which would otherwise wait
                # for this process.
                body = prepare(batch, brand_accounts, signals=signals, defer_signals=flushed[0] % 2 == 1).to_json()
                flushed[0] += 1
                out.write(_LENGTH.pack(len(body)) + body)
                out.flush()
                batch.clear()
                if os.getppid() != parent:  # the importing process is gone
                    raise SystemExit(1)

            for m in count(read_messages(path, options), per_platform):
                batch.append(m)
                total += 1
                if len(batch) == batch_size:
                    flush()
            if batch:
                flush()
            out.write(_LENGTH.pack(0))
    except ImportFileError as exc:
        return {"error": {"kind": "file", "path": exc.path, "line": exc.line, "field": exc.field, "problem": exc.problem}}
    except GoodwillError as exc:
        return {"error": {"kind": "config", "message": str(exc)}}
    return {"records": total, "platforms": per_platform}


if __name__ == "__main__":
    _path, _spec, _fd, _batch, _parent = sys.argv[1:6]
    sys.stdout.buffer.write(orjson.dumps(_child(Path(_path), orjson.loads(_spec), int(_fd), int(_batch), int(_parent))))
