"""What a running crawl shows: a progress bar on a terminal, a plain line in cron and systemd.

The total is what discovery has scheduled so far (it grows while the listings are read), and the
done count is every article page answered or failed, so the ETA is the rate so far applied to what
is left. ``BLADE_PROGRESS``: ``auto`` (a bar when stderr is a terminal, else lines), ``bar``,
``log`` or ``off``; ``BLADE_PROGRESS_INTERVAL``: seconds between lines (30).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from tqdm import tqdm

logger = logging.getLogger(__name__)

MODES = ("auto", "bar", "log", "off")
#: How often the bar is redrawn (seconds); lines follow ``BLADE_PROGRESS_INTERVAL``.
BAR_REFRESH = 1.0


def eta_text(seconds: float | None) -> str:
    """``1 h 05 min``, ``3 min 20 s``, ``12 s``; ``unknown`` before there is a rate."""
    if seconds is None:
        return "unknown"
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class Progress:
    """Counts article pages answered against those scheduled, and shows it."""

    def __init__(self, crawler: Crawler, mode: str, stream: TextIO | None = None) -> None:
        self.crawler = crawler
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode = mode
        self.interval = (BAR_REFRESH if mode == "bar"
                         else crawler.settings.getfloat("BLADE_PROGRESS_INTERVAL"))
        self.done = 0
        self.started = time.monotonic()
        self.bar: tqdm | None = None
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        mode = crawler.settings.get("BLADE_PROGRESS", "auto")
        if mode not in MODES:
            raise ValueError(f"bad BLADE_PROGRESS={mode!r}: expected one of {', '.join(MODES)}")
        if mode == "off":
            raise NotConfigured
        progress = cls(crawler, mode)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(progress.response_received, signal=signals.response_received)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.begin()
        if self.interval > 0:
            self.task = create_looping_call(self.show)
            self.task.start(self.interval, now=False)

    def begin(self) -> None:
        self.started = time.monotonic()
        if self.mode == "bar":
            self.bar = tqdm(total=0, unit="article", file=self.stream, dynamic_ncols=True,
                            desc="articles")

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        if request.meta.get("blade_stage") == "article":
            self.done += 1

    @property
    def handled(self) -> int:
        """Article pages answered, plus those that failed without an answer."""
        return self.done + int(self.crawler.stats.get_value("blade/failures/article", 0) or 0)

    @property
    def total(self) -> int:
        spider = self.crawler.spider
        return max(len(getattr(spider, "scheduled", ())), self.handled)

    def eta(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if not self.handled or elapsed <= 0:
            return None
        return (self.total - self.handled) / (self.handled / elapsed)

    def show(self) -> None:
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.n = self.handled
            self.bar.refresh()
            return
        total, handled = self.total, self.handled
        share = f" ({100 * handled // total} %)" if total else ""
        logger.info("Progress: %s of %s articles%s, ETA %s", handled, total, share,
                    eta_text(self.eta()))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.bar is not None:
            self.show()
            self.bar.close()
