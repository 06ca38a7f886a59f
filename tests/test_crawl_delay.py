"""robots.txt ``Crawl-delay``: obeyed up to a cap, and never in the way of a graceful stop."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from protego import Protego
from scrapy import Request
from scrapy.utils.test import get_crawler

from blade_spider.crawl.middlewares import CrawlDelayMiddleware
from blade_spider.sample_site import SampleSite
from blade_spider.spiders.blade import BladeSpider
from tests.conftest import ROOT


def middleware(**settings: object) -> CrawlDelayMiddleware:
    crawler = get_crawler(BladeSpider, settings_dict={"BLADE_MAX_CRAWL_DELAY": 30.0, **settings})
    crawler.stats.open_spider()
    return CrawlDelayMiddleware.from_crawler(crawler)


@pytest.mark.parametrize("asked, obeyed", [(5, 5.0), (86400, 30.0)])
def test_a_crawl_delay_is_obeyed_up_to_the_cap(asked: int, obeyed: float,
                                               caplog: pytest.LogCaptureFixture) -> None:
    mw = middleware()
    robots = Protego.parse(f"User-agent: *\nCrawl-delay: {asked}\n")
    mw.robots_parsed(robots, Request("http://127.0.0.1:9/robots.txt"))
    assert mw.delays == {"127.0.0.1:9": obeyed}
    assert ("capped at 30.0 s" in caplog.text) == (asked > 30)


def test_a_sigterm_ends_the_crawl_within_seconds_whatever_the_delay(tmp_path: Path) -> None:
    """A day-long Crawl-delay held a SIGTERM'd crawl, and its lock, for over 11 minutes."""
    with SampleSite(n=6, seed=1, crawl_delay=86400) as site:
        command = [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
                   "-s", f"BLADE_OUTPUT_DIR={tmp_path}", "-s", "BLADE_MAX_CRAWL_DELAY=3600",
                   "-s", "BLADE_POLITE=False",
                   "-s", "LOG_LEVEL=INFO"]
        process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any(r.path == "/robots.txt" for r in site.requests):
            assert time.monotonic() < deadline and process.poll() is None, "never read robots"
            time.sleep(0.1)
        time.sleep(1.5)  # the next request is now waiting out the hour
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        try:
            _, log = process.communicate(timeout=30)
        finally:
            process.kill()
        took = time.monotonic() - stopped
    assert took < 10, f"the stop took {took:.0f} s"
    assert "capped at 3600.0 s" in log
    assert "was waiting out the site's Crawl-delay" in log
    assert len(site.requests) == 1, "a request went out without waiting the delay"
