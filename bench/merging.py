"""Why the crawl's memory and flush time grow with the archive: the merge, replayed.

``ArchivePipeline`` merges records into the monthly partitions in batches of
``BLADE_FLUSH_ITEMS`` (500). ``Archive.merge`` reads every partition a batch touches into memory
(as Python dicts), keeps them all until the batch is written, and rewrites each whole file. A
crawl does not arrive in publication order, so a batch of 500 touches dozens of months, and each
of those partitions is bigger the fuller the archive is: the work and the memory of one flush
grow with the archive, not with the batch.

This replays a finished crawl's records through ``Archive.merge`` into a fresh archive, in the
order the crawl fetched them (``crawl.fetched_at``; ties keep file order) and in the crawl's
batch size, measuring each merge: partitions touched, existing rows read back, seconds, and the
Python heap it needed at its peak (``tracemalloc``, which slows the merge down but counts every
byte). Pure archive code: no network, no Scrapy.
"""

from __future__ import annotations

import shutil
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from common import WORK


@dataclass
class MergeStep:
    batch: int
    archived_before: int
    partitions: int
    rows_read: int
    seconds: float
    peak_bytes: int


def replay(archive: Path, batch: int = 500, limit: int | None = None) -> list[MergeStep]:
    from blade_spider.archive.state import StateStore
    from blade_spider.archive.store import Archive, partition_of
    from blade_spider.dataset import load_articles

    records = list(load_articles(archive))
    records.sort(key=lambda r: r["crawl"].get("fetched_at") or "")
    if limit is not None:
        records = records[:limit]
    target = WORK / "merge-replay"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    fresh = Archive(target)
    state = StateStore(target / "state.sqlite3")
    steps: list[MergeStep] = []
    sizes: dict[str, int] = {}
    try:
        for start in range(0, len(records), batch):
            chunk = records[start:start + batch]
            touched = {partition_of(r) for r in chunk}
            rows_read = sum(sizes.get(p, 0) for p in touched)
            tracemalloc.start()
            began = time.perf_counter()
            fresh.merge(chunk, state)
            seconds = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            for relative in touched:
                sizes[relative] = sizes.get(relative, 0) + sum(
                    1 for r in chunk if partition_of(r) == relative)
            steps.append(MergeStep(len(chunk), start, len(touched), rows_read, seconds, peak))
    finally:
        state.close()
        shutil.rmtree(target, ignore_errors=True)
    return steps
