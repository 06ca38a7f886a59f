"""Progress: a bar with the known total and an ETA on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
import logging
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from blade_spider.crawl.progress import Progress, eta_text
from blade_spider.spiders.blade import BladeSpider


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def progress(stream: io.StringIO, **settings: object) -> Progress:
    crawler = get_crawler(BladeSpider, settings_dict={"BLADE_PROGRESS_INTERVAL": 0, **settings})
    crawler.stats.open_spider()
    crawler.spider = SimpleNamespace(scheduled={1, 2, 3, 4})  # type: ignore[assignment]
    return Progress(crawler, crawler.settings.get("BLADE_PROGRESS", "auto"), stream)


def answer(extension: Progress, stage: str = "article") -> None:
    request = Request("http://127.0.0.1/2020/01/01/a/", meta={"blade_stage": stage})
    extension.response_received(HtmlResponse(request.url, request=request), request)


def test_on_a_terminal_a_bar_shows_done_of_scheduled() -> None:
    terminal = Terminal()
    bar = progress(terminal)
    assert bar.mode == "bar"
    bar.begin()
    answer(bar)
    answer(bar, stage="sitemap")  # listings are not articles
    bar.show()
    bar.spider_closed(None, "finished")  # type: ignore[arg-type]
    assert "1/4" in terminal.getvalue() and "article" in terminal.getvalue()


def test_elsewhere_a_line_says_how_many_of_how_many_and_when(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    lines = progress(io.StringIO())
    assert lines.mode == "log"
    answer(lines)
    lines.crawler.stats.set_value("blade/failures/article", 1)
    lines.show()
    assert "Progress: 2 of 4 articles (50 %), ETA" in caplog.text


def test_a_bad_mode_is_refused() -> None:
    crawler = get_crawler(BladeSpider, settings_dict={"BLADE_PROGRESS": "loud"})
    with pytest.raises(ValueError, match="BLADE_PROGRESS"):
        Progress.from_crawler(crawler)


@pytest.mark.parametrize("seconds, text", [
    (None, "unknown"), (12.4, "12 s"), (200, "3 min 20 s"), (3900, "1 h 05 min")])
def test_eta_text(seconds: float | None, text: str) -> None:
    assert eta_text(seconds) == text
