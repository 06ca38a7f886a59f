"""What a resumed crawl must remember beyond Scrapy's JOBDIR: the article URLs already scheduled.

Article requests bypass Scrapy's dupefilter (``dont_filter``: a redirect loop must end as a
recorded "max redirections" failure, not be dropped silently), so the spider deduplicates them
itself with a set of URL keys. That set lives in memory; after a stop the JOBDIR queue still
holds the requests, but a fresh set would let the listings the resumed run reads (core's
sitemap, the feed) schedule the same articles again, and each would be fetched twice.

The keys are saved when a crawl stops before it is finished, the moment Scrapy saves its queue
(Scrapy keeps a JOBDIR only across a graceful stop: SIGTERM, Ctrl-C, a close condition), and
read back once by the resumed run, which deletes the file as it reads it. A run killed outright
(SIGKILL, a power cut) saves nothing, so the next one starts with no keys: it may fetch an
article twice, but it never takes one for queued that its lost queue no longer holds.

The JOBDIR queue lives on the archive's disk. When that disk is full, Scrapy's scheduler fails on
every tick of the engine and a crawl hangs on the request it cannot pop; :class:`Scheduler`
stops the crawl instead (exit status 2, a message naming the disk).
"""

from __future__ import annotations

import logging
import os
from array import array
from pathlib import Path
from typing import Any

from scrapy.core.scheduler import Scheduler as ScrapyScheduler
from scrapy.http import Request

from blade_spider.archive.store import write_problem
from blade_spider.crawl.health import stop_crawl

logger = logging.getLogger(__name__)

#: The file in the JOBDIR: one 64-bit key (``blade_spider.urls.compact_key``) per scheduled URL.
SCHEDULED_FILE = "blade-scheduled-keys.bin"


#: The same for every article URL a listing named (what a sweep does not re-check).
NAMED_FILE = "blade-named-keys.bin"


class ScheduledKeys:
    """A set of URL keys that a graceful stop hands on to the resumed run (given a JOBDIR),
    in the JOBDIR file ``name``."""

    def __init__(self, jobdir: str | Path | None = None, name: str = SCHEDULED_FILE) -> None:
        self.path = Path(jobdir, name) if jobdir else None
        self.keys: set[int] = set()
        if self.path is not None and self.path.exists():
            saved = array("Q")
            saved.frombytes(self.path.read_bytes())
            self.keys.update(saved)
            self.path.unlink()  # good for one resume only: see the module docstring

    def __contains__(self, key: int) -> bool:
        return key in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: int) -> None:
        self.keys.add(key)

    def discard(self, key: int) -> None:
        self.keys.discard(key)

    def save(self) -> None:
        """Write the keys for the run that resumes this one (atomically: a file is whole or
        absent)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        try:
            partial.write_bytes(array("Q", self.keys).tobytes())
            os.replace(partial, self.path)
        except OSError as exc:  # a full disk: the resumed run may fetch an article twice
            partial.unlink(missing_ok=True)
            logger.warning("Could not save the scheduled URLs in %s (%s)", self.path, exc)


class Scheduler(ScrapyScheduler):
    """Scrapy's scheduler, except that a JOBDIR queue it cannot write (a full disk) stops the
    crawl once, with one message, instead of failing on every tick; the run is then started
    afresh by the next one (see :class:`~blade_spider.crawl.extensions.CrawlReport`)."""

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as exc:
            self._failed(exc)
            return False

    def next_request(self) -> Request | None:
        try:
            return super().next_request()
        except OSError as exc:
            self._failed(exc)
            return None

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        except OSError as exc:
            logger.warning("Could not save the crawl queue in %s (%s): the next run starts "
                           "afresh", self.dqdir, exc)
            return None

    def _failed(self, exc: OSError) -> None:
        assert self.crawler is not None
        output = Path(self.crawler.settings["BLADE_OUTPUT_DIR"])
        stop_crawl(self.crawler, write_problem(exc, output))
