"""Jetstream listening speed: keyword/handle filtering, normalising and
storing a replayed firehose, beside a receive-only baseline in the same run.

    python benchmarks/listen_bench.py                  # 200,000 events
    python benchmarks/listen_bench.py --events 20000

Events are generated in Jetstream's shape (`did`, `time_us`, `kind: commit`,
`commit.operation` create/update/delete, `record` with `text`, `langs`,
`createdAt`, `reply`, `facets`, `embed`), about 3% of them mentioning the
brand's keywords or handle. A websocket server in a second process replays
them over loopback. Three runs read the same replay:

- baseline: receive every event and do nothing else (the transport's ceiling);
- filter: receive and run the Jetstream source's filter and normaliser
  (`JetstreamConnector.handle`), storing nothing;
- end to end: `goodwill listen --once`'s code path (`Listener` with one
  Jetstream source) into a fresh SQLite workspace: filter, normalise, store
  batches with their checkpoints, apply edits and deletions.

Goal (issue 4): at least 20,000 events/s end to end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

GOAL = 20_000
KEYWORDS = ["halcyon", "halcyon drift"]
BRAND_HANDLE = "halcyonbikes.bsky.social"
BASE_US = 1_760_000_000_000_000
WORDS = (
    "the a to and of in is it for on that this with my you just was be so at have but not are like what "
    "today morning coffee train bike commute rain sun music game cat dog work weekend news election art "
    "photo book film code city friends dinner tired happy love new finally week thread post sky blue"
).split()
LANGS = [["en"], ["en"], ["en"], ["ja"], ["pt"], ["de"], ["es"], ["fr"]]
OTHER_SCRIPTS = ["おはようございます", "bom dia pessoal", "guten Morgen", "¡buenos días!", "bonjour à tous ✨", "🙂🚲"]


def generate(n: int, seed: int = 4) -> list[bytes]:
    """`n` Jetstream commit events; about 3% match the brand."""
    rng = random.Random(seed)
    events: list[bytes] = []
    posts: list[tuple[str, str]] = []  # (did, rkey) of earlier creates
    for i in range(n):
        did = f"did:plc:{rng.getrandbits(100):025x}"[:32]
        time_us = BASE_US + i * 1000 + rng.randrange(1000)
        roll = rng.random()
        if roll < 0.05 and posts:
            pdid, rkey = posts[rng.randrange(len(posts))]
            event: dict[str, Any] = {"did": pdid, "time_us": time_us, "kind": "commit", "commit": {
                "rev": f"3l{i:011x}", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": rkey}}
            events.append(orjson.dumps(event))
            continue
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30)))
        if rng.random() < 0.2:
            text += " " + rng.choice(OTHER_SCRIPTS)
        facets = []
        if rng.random() < 0.03:
            if rng.random() < 0.5:
                text = f"{rng.choice(['Is the', 'Loving my', 'Problem with my'])} {rng.choice(['Halcyon', 'halcyon drift', 'HALCYON'])} {text}"
            else:
                start = len(text.encode()) + 1
                text = f"{text} @{BRAND_HANDLE}"
                facets.append({"index": {"byteStart": start, "byteEnd": start + 1 + len(BRAND_HANDLE)},
                               "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:halcyonbrand"}]})
        if rng.random() < 0.1:
            facets.append({"index": {"byteStart": 0, "byteEnd": 4},
                           "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": rng.choice(WORDS)}]})
        rkey = f"3l{i:011x}"
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": time.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time_us / 1e6)), "langs": rng.choice(LANGS), "text": text}
        if facets:
            record["facets"] = facets
        if posts and rng.random() < 0.35:
            pdid, prkey = posts[rng.randrange(len(posts))]
            ref = {"uri": f"at://{pdid}/app.bsky.feed.post/{prkey}", "cid": f"bafyrei{rng.getrandbits(160):040x}"}
            record["reply"] = {"parent": ref, "root": ref}
        elif rng.random() < 0.05:
            record["embed"] = {"$type": "app.bsky.embed.external", "external": {
                "uri": "https://news.example/story", "title": "A story", "description": "words"}}
        op = "update" if rng.random() < 0.02 and posts else "create"
        if op == "update":
            did, rkey = posts[rng.randrange(len(posts))]
        else:
            posts.append((did, rkey))
        event = {"did": did, "time_us": time_us, "kind": "commit", "commit": {
            "rev": f"3l{i:011x}", "operation": op, "collection": "app.bsky.feed.post", "rkey": rkey,
            "record": record, "cid": f"bafyrei{rng.getrandbits(160):040x}"}}
        events.append(orjson.dumps(event))
    return events


def _serve(path: str, ready: Any) -> None:
    """Child process: replay the events file to each websocket client, then close."""
    from websockets.sync.server import serve

    data = Path(path).read_bytes().split(b"\n")
    events = [e for e in data if e]

    def handler(ws: Any) -> None:
        for raw in events:
            ws.send(raw.decode())
        ws.close(1000, "end of replay")

    with serve(handler, "127.0.0.1", 0, compression=None, max_size=2**22) as server:
        ready.put(server.socket.getsockname()[1])
        server.serve_forever()


def receive_all(url: str) -> int:
    from websockets.exceptions import ConnectionClosedOK
    from websockets.sync.client import connect

    n = 0
    with connect(url, compression=None, max_size=2**22) as ws:
        try:
            while True:
                ws.recv()
                n += 1
        except ConnectionClosedOK:
            pass
    return n


def filter_only(url: str) -> tuple[int, int]:
    from goodwill.connectors.jetstream import JetstreamConnector
    from goodwill.domain.sources import Batch, SourceConfig
    from goodwill.ingest.listen import ListenOptions

    options = ListenOptions(brand_keywords=tuple(KEYWORDS), brand_handles=(BRAND_HANDLE,))
    connector = JetstreamConnector(SourceConfig("bench", "jetstream", url=url), None, options)
    kept = seen = 0
    try:
        while True:
            batch: Batch = connector.fetch(None)
            seen += batch.seen
            kept += len(batch.items)
            if batch.done:
                break
    finally:
        connector.close()
    return seen, kept


def end_to_end(url: str, workdir: Path) -> dict[str, Any]:
    from goodwill.config import Settings
    from goodwill.domain import Workspace
    from goodwill.domain.sources import SourceConfig
    from goodwill.ingest.listen import Listener
    from goodwill.service.workspace import init_workspace
    from goodwill.store.sources import add_source

    settings = Settings(workspace=workdir / "ws")
    store = init_workspace(settings, Workspace(
        name="Halcyon Bikes", brand_accounts={"bluesky": [BRAND_HANDLE]}, keywords=list(KEYWORDS)))
    with store.begin() as conn:
        add_source(conn, SourceConfig("jet", "jetstream", url=url))
    listener = Listener(store, environ={}, secrets=workdir / "none.toml", once=True)
    started = time.perf_counter()
    progress = listener.run()["jet"]
    seconds = time.perf_counter() - started
    with store.begin() as conn:
        stored = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
    store.close()
    if progress.error:
        raise SystemExit(f"end to end run failed: {progress.error}")
    return {"seconds": seconds, "seen": progress.seen, "added": progress.added, "edited": progress.edited,
            "deleted": progress.deleted, "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--workdir", type=Path, default=None, help="Where to put the workspace (default: a temp dir).")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="listen-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    events = generate(args.events)
    path = workdir / "events.jsonl"
    path.write_bytes(b"\n".join(events) + b"\n")
    size_mb = path.stat().st_size / 1e6
    print(f"generated {len(events):,} Jetstream events ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f}s")

    # Load everything the timed runs use before timing them.
    import websockets.sync.client  # noqa: F401

    import goodwill.connectors.jetstream  # noqa: F401
    import goodwill.ingest.listen  # noqa: F401
    import goodwill.service.workspace  # noqa: F401

    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=_serve, args=(str(path), ready), daemon=True)
    server.start()
    try:
        url = f"ws://127.0.0.1:{ready.get(timeout=60)}/subscribe"
        rows = []
        t = time.perf_counter()
        n = receive_all(url)
        rows.append(("baseline: receive only", time.perf_counter() - t, n, "-"))
        t = time.perf_counter()
        seen, kept = filter_only(url)
        rows.append(("filter + normalise", time.perf_counter() - t, seen, f"{kept:,} kept"))
        result = end_to_end(url, workdir)
        rows.append(("end to end (listen --once, SQLite)", result["seconds"], result["seen"],
                     f"{result['added']:,} stored, {result['edited']:,} edited, {result['deleted']:,} deleted"))
    finally:
        server.terminate()
        server.join(5)
    print()
    print("| run | seconds | events | events/s | result |")
    print("|---|---|---|---|---|")
    for name, seconds, count, note in rows:
        print(f"| {name} | {seconds:.2f} | {count:,} | {count / seconds:,.0f} | {note} |")
    e2e = result["seen"] / result["seconds"]
    print()
    print(f"end to end: {e2e:,.0f} events/s (goal {GOAL:,}): {'met' if e2e >= GOAL else 'NOT met'}")
    print(f"end to end / baseline time: {result['seconds'] / rows[0][1]:.2f}x")
    if result["stored"] != result["added"]:
        print(f"warning: stored {result['stored']:,} messages but counted {result['added']:,}", file=sys.stderr)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
