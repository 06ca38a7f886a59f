"""Each crawl component alone: middlewares, pipelines, the outcome recorder and the spider's
callbacks, built from a crawler as Scrapy's own tests build theirs (``get_crawler``,
``build_from_crawler``), with saved pages and no network. The end-to-end crawls are in
test_crawl, test_incremental and test_faults."""

from __future__ import annotations

import asyncio
import pickle
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler, get_reactor_settings

from blade_spider import settings as project_settings
from blade_spider.archive.state import StateStore
from blade_spider.archive.store import Archive, read_jsonl
from blade_spider.archive.warc import scan_warc
from blade_spider.crawl import signals as blade_signals
from blade_spider.crawl.capture import WarcCaptureMiddleware
from blade_spider.crawl.middlewares import (
    BackoffRetryMiddleware,
    CrawlDelayMiddleware,
    SameSiteMiddleware,
    WesternFallbackEncodingMiddleware,
)
from blade_spider.crawl.outcomes import OutcomeRecorder
from blade_spider.crawl.pipelines import (
    ArchivePipeline,
    DeduplicatePipeline,
    NormalisePipeline,
    ValidatePipeline,
)
from blade_spider.crawl.signals import ArticleGone, ArticleUnchanged, FetchFailure, SkippedPage
from blade_spider.extract import extract_article
from blade_spider.extract.assemble import Continuation
from blade_spider.record.items import Article
from blade_spider.record.schema import article_schema
from blade_spider.spiders.blade import BladeSpider
from blade_spider.urls import SiteHosts
from tests.conftest import WORDPRESS, load_case, response_from_file

SITE = "http://127.0.0.1:8089"
TILLERSON = load_case("blade2017_tillerson")
PAGED = "/2023/02/20/trans-actors-take-center-stage-in-capitol-reps-new-season/"
PAGED_FILE = WORDPRESS / "classic" / "2023-02-20-trans-actors-take-center-stage-in-capitol-reps"


def settings_for(output: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings, no extension but Scrapy's own (each test builds the one it
    tests), writing into ``output`` and keeping no resume queue there (a component alone has no
    crawl to resume); the reactor settings are those of this test process."""
    own = {name: value for name, value in vars(project_settings).items()
           if name.isupper() and name != "TWISTED_REACTOR"}
    return {**own, "EXTENSIONS": {}, "BLADE_OUTPUT_DIR": str(output), "BLADE_RESUME": False,
            **overrides}


def crawler_for(output: Path, **overrides: Any) -> Crawler:
    crawler = get_crawler(settings_dict=settings_for(output, **overrides))
    crawler.spider = crawler._create_spider("test")
    return crawler


def spider_for(output: Path, base_url: str = SITE, **args: Any) -> BladeSpider:
    """The spider as ``scrapy crawl`` makes it: its ``from_crawler`` runs before the settings
    are frozen (it sets some)."""
    crawler = Crawler(BladeSpider, {**get_reactor_settings(), **settings_for(output),
                                    "TELNETCONSOLE_ENABLED": False})
    crawler.spider = crawler._create_spider(base_url=base_url, **args)
    crawler._apply_settings()
    return crawler.spider


def article() -> Article:
    """The saved Tillerson page's article, as the spider extracts it."""
    response = response_from_file(Path("tests/fixtures/pages/blade2017_tillerson.html"),
                                  TILLERSON["url"])
    return extract_article(response)


def received(crawler: Crawler, signal: object) -> list[dict[str, Any]]:
    """Every sending of ``signal`` from now on, as its keyword arguments."""
    sent: list[dict[str, Any]] = []

    def handler(**kwargs: Any) -> None:
        sent.append(kwargs)

    crawler.signals.connect(handler, signal=signal, weak=False)
    return sent


# --- pipelines ------------------------------------------------------------------------------

def test_validate_passes_a_good_article_on_as_a_dict(tmp_path: Path) -> None:
    pipeline = build_from_crawler(ValidatePipeline, crawler_for(tmp_path))
    item = article()
    record = pipeline.process_item(item)
    assert record == ItemAdapter(item).asdict()


def test_validate_drops_a_broken_record_and_signals_why(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    rejected = received(crawler, blade_signals.record_rejected)
    item = article()
    item.published = "last Tuesday"  # not a date: the schema refuses it
    with pytest.raises(DropItem, match="invalid record"):
        build_from_crawler(ValidatePipeline, crawler).process_item(item)
    [sent] = rejected
    assert sent["record"]["url"] == item.url
    assert sent["errors"][0].startswith("published")
    assert not list(tmp_path.iterdir()), "logging the reject is the recorder's job"


def test_normalise_gives_the_contract_key_order(tmp_path: Path) -> None:
    record = ItemAdapter(article()).asdict()
    record["crawl"] = dict(reversed(record["crawl"].items()))
    record["body_blocks"] = [{"text": b["text"], "type": b["type"]} for b in record["body_blocks"]]
    out = build_from_crawler(NormalisePipeline, crawler_for(tmp_path)).process_item(record)
    assert tuple(out) == tuple(article_schema()["properties"])
    assert list(out["crawl"]) == sorted(out["crawl"])
    assert all(list(block) == ["type", "text"] for block in out["body_blocks"])


def test_deduplicate_keeps_the_first_of_an_id(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    record = ItemAdapter(article()).asdict()
    assert pipeline.process_item(record) is record
    with pytest.raises(DropItem, match="duplicate"):
        pipeline.process_item({**record, "url": record["url"] + "?amp"})
    assert crawler.stats.get_value("blade/duplicates/in_crawl") == 1


def archive_one(output: Path) -> dict[str, Any]:
    """One record through Normalise and Archive, as a crawl would write it."""
    crawler = crawler_for(output)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    record = NormalisePipeline().process_item(article())
    pipeline.process_item(record)
    pipeline.close_spider()
    return record


def test_archive_writes_the_record_its_state_and_manifest(tmp_path: Path) -> None:
    record = archive_one(tmp_path)
    assert list(Archive(tmp_path).iter_records()) == [record]
    state = StateStore(tmp_path / "state.sqlite3")
    assert state.by_url(record["url"]).id == record["id"]
    state.close()
    manifest = Archive(tmp_path).read_manifest()
    assert manifest["articles"] == 1 and manifest["last_crawl"]["new"] == 1
    assert (tmp_path / "schema.json").exists()


def test_archive_refuses_an_archive_another_crawl_holds(tmp_path: Path) -> None:
    holder = Archive(tmp_path)
    holder.lock()
    crawler = crawler_for(tmp_path)
    pipeline = build_from_crawler(ArchivePipeline, crawler)
    pipeline.open_spider()
    assert "runs must not overlap" in crawler.stats.get_value("blade/fatal")
    with pytest.raises(DropItem):
        pipeline.process_item(NormalisePipeline().process_item(article()))
    pipeline.close_spider()
    holder.unlock()
    assert not list(Archive(tmp_path).iter_records())


# --- the outcome recorder ---------------------------------------------------------------------

def open_recorder(output: Path) -> tuple[Crawler, OutcomeRecorder]:
    crawler = crawler_for(output)
    recorder = build_from_crawler(OutcomeRecorder, crawler)
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=crawler.spider)
    return crawler, recorder


def send(crawler: Crawler, signal: object, outcome: Any, request: Request | None = None) -> None:
    crawler.signals.send_catch_log(signal=signal, outcome=outcome, request=request)


def article_request(url: str, **meta: Any) -> Request:
    return Request(url, meta={"blade_stage": "article", **meta})


def inflight(output: Path) -> list[str]:
    state = StateStore(output / "state.sqlite3")
    try:
        return [url for url, _, _ in state.inflight()]
    finally:
        state.close()


def test_a_failure_is_logged_counted_and_no_longer_in_flight(tmp_path: Path) -> None:
    crawler, _ = open_recorder(tmp_path)
    request = article_request(f"{SITE}/2020/01/01/a/")
    crawler.signals.send_catch_log(signal=signals.request_reached_downloader, request=request,
                                   spider=crawler.spider)
    assert inflight(tmp_path) == [request.url]
    failure = FetchFailure(url=request.url, stage="article", reason="HTTP 500", time="t",
                           attempt=3, status=500)
    send(crawler, blade_signals.fetch_failed, failure, request)
    assert read_jsonl(tmp_path / "failures.jsonl") == [
        {"url": request.url, "stage": "article", "reason": "HTTP 500", "time": "t",
         "attempt": 3, "status": 500}]
    assert crawler.stats.get_value("blade/failures/article") == 1
    assert inflight(tmp_path) == []


def test_a_continuation_page_settles_its_page_one(tmp_path: Path) -> None:
    """A post split over pages is one request in flight: page 1's, until the record (from the
    last page's response) or a page's failure."""
    crawler, _ = open_recorder(tmp_path)
    first = article_request(f"{SITE}{PAGED}")
    second = article_request(f"{SITE}{PAGED}2/", blade_continuation=first.url)
    for request in (first, second):
        crawler.signals.send_catch_log(signal=signals.request_reached_downloader,
                                       request=request, spider=crawler.spider)
    assert inflight(tmp_path) == [first.url]
    response = HtmlResponse(url=second.url, body=b"<html></html>", request=second)
    crawler.signals.send_catch_log(signal=signals.item_scraped, item={}, response=response,
                                   spider=crawler.spider)
    assert inflight(tmp_path) == []


def test_gone_marks_an_archived_article_and_fails_an_unknown_one(tmp_path: Path) -> None:
    record = archive_one(tmp_path)
    crawler, _ = open_recorder(tmp_path)
    send(crawler, blade_signals.article_gone, ArticleGone(url=record["url"], status=410,
                                                          seen_at="2026-01-01T00:00:00+00:00"))
    [marked] = Archive(tmp_path).iter_records()
    assert (marked["crawl"]["gone_status"], marked["crawl"]["gone_at"]) == (
        410, "2026-01-01T00:00:00+00:00")
    assert crawler.stats.get_value("blade/archive/gone") == 1
    unknown = f"{SITE}/2020/01/01/never-archived/"
    send(crawler, blade_signals.article_gone, ArticleGone(url=unknown, status=404, seen_at="t"))
    assert read_jsonl(tmp_path / "failures.jsonl") == [
        {"url": unknown, "stage": "article", "reason": "HTTP 404", "time": "t", "attempt": 1,
         "status": 404}]
    assert crawler.stats.get_value("blade/failures/article") == 1


def test_unchanged_touches_the_state(tmp_path: Path) -> None:
    record = archive_one(tmp_path)
    crawler, _ = open_recorder(tmp_path)
    send(crawler, blade_signals.article_unchanged,
         ArticleUnchanged(url=record["url"], checked_at="2030-01-01T00:00:00+00:00"))
    state = StateStore(tmp_path / "state.sqlite3")
    assert state.by_url(record["url"]).checked_at == "2030-01-01T00:00:00+00:00"
    state.close()
    assert crawler.stats.get_value("blade/archive/unchanged") == 1


def test_a_rejected_record_is_logged_twice_and_counted(tmp_path: Path) -> None:
    crawler, _ = open_recorder(tmp_path)
    record = {"url": f"{SITE}/2020/01/01/a/", "id": "wp-1",
              "crawl": {"request_url": f"{SITE}/?p=1", "http_status": 200}}
    crawler.signals.send_catch_log(signal=blade_signals.record_rejected, record=record,
                                   errors=["published: None is not of type 'string'"])
    [reject] = read_jsonl(tmp_path / "rejects.jsonl")
    assert reject["reasons"] == ["published: None is not of type 'string'"]
    [failure] = read_jsonl(tmp_path / "failures.jsonl")
    assert (failure["url"], failure["stage"], failure["status"]) == (
        f"{SITE}/?p=1", "validate", 200)
    assert crawler.stats.get_value("blade/rejected/published") == 1


def test_a_skipped_page_is_counted_by_reason(tmp_path: Path) -> None:
    crawler, _ = open_recorder(tmp_path)
    send(crawler, blade_signals.page_skipped, SkippedPage(url=f"{SITE}/about/", reason="page"))
    assert crawler.stats.get_value("blade/not_article/page") == 1
    assert not (tmp_path / "failures.jsonl").exists()


def test_nothing_is_written_to_an_archive_the_crawl_does_not_hold(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    build_from_crawler(OutcomeRecorder, crawler)
    crawler.stats.set_value("blade/fatal", "the archive is being written by another run")
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=crawler.spider)
    send(crawler, blade_signals.fetch_failed,
         FetchFailure(url=f"{SITE}/2020/01/01/a/", stage="article", reason="x", time="t"))
    assert not list(tmp_path.iterdir())


# --- the spider's callbacks -----------------------------------------------------------------

def article_response(spider: BladeSpider, url: str, status: int = 200, body: bytes = b"",
                     cls: type[Response] = HtmlResponse) -> Response:
    request = spider.article_request(url, source="cli", force=True)
    assert request is not None
    return cls(url=request.url, status=status, body=body, request=request,
               headers={"Content-Type": "text/html; charset=UTF-8"})


@pytest.mark.parametrize(("status", "signal", "kind"), [
    (304, blade_signals.article_unchanged, ArticleUnchanged),
    (404, blade_signals.article_gone, ArticleGone),
    (410, blade_signals.article_gone, ArticleGone),
])
def test_an_article_answer_without_a_page_is_a_signal_not_an_item(
        tmp_path: Path, status: int, signal: object, kind: type) -> None:
    spider = spider_for(tmp_path)
    sent = received(spider.crawler, signal)
    response = article_response(spider, f"{SITE}/2020/01/01/a/", status=status)
    assert list(spider.parse_article(response)) == []
    [kwargs] = sent
    assert isinstance(kwargs["outcome"], kind) and kwargs["outcome"].url == response.url
    assert kwargs["request"] is response.request


@pytest.mark.parametrize(("body", "cls", "reason"), [
    (b"%PDF-1.4", Response, "not an HTML page"),
    (b"<html><body><p>cut sho", HtmlResponse, "truncated page"),
    (b"<html><body class='error404'></body></html>", HtmlResponse, "not an article"),
])
def test_a_page_that_fails_is_a_fetch_failed_signal(tmp_path: Path, body: bytes,
                                                    cls: type[Response], reason: str) -> None:
    spider = spider_for(tmp_path)
    sent = received(spider.crawler, blade_signals.fetch_failed)
    response = article_response(spider, f"{SITE}/2020/01/01/a/", body=body, cls=cls)
    assert list(spider.parse_article(response)) == []
    [kwargs] = sent
    assert kwargs["outcome"].stage == "parse" and reason in kwargs["outcome"].reason


def test_a_page_that_is_no_article_is_a_skipped_signal(tmp_path: Path) -> None:
    spider = spider_for(tmp_path, url=f"{SITE}/about/")
    sent = received(spider.crawler, blade_signals.page_skipped)
    about = WORDPRESS / "classic" / "about.html"
    response = article_response(spider, f"{SITE}/about/", body=about.read_bytes())
    assert list(spider.parse_article(response)) == []
    assert sent[0]["outcome"].url == response.url


def test_a_split_post_is_fetched_page_by_page_and_assembled(tmp_path: Path) -> None:
    """Page 1 asks for page 2 (a request the JOBDIR queue can store), page 2 yields the one
    record: page 1's article with page 2's body."""
    spider = spider_for(tmp_path)
    first = article_response(spider, f"{SITE}{PAGED}",
                             body=Path(f"{PAGED_FILE}-new-season.html").read_bytes())
    [request] = spider.parse_article(first)
    assert isinstance(request, Request) and request.url == f"{SITE}{PAGED}2/"
    assert request.meta["blade_continuation"] == first.url
    pickle.dumps(request.to_dict(spider=spider), protocol=4)  # what the disk queue does
    second = HtmlResponse(url=request.url, request=request,
                          body=Path(f"{PAGED_FILE}-new-season-page-2.html").read_bytes(),
                          headers={"Content-Type": "text/html; charset=UTF-8"})
    [record] = spider.parse_continuation(second, **request.cb_kwargs)
    assert isinstance(record, Article) and record.crawl["pages"] == 2
    site = SiteHosts(SITE)
    parts = [extract_article(r, site) for r in (first, second)]
    assert record.body_blocks == parts[0].body_blocks + parts[1].body_blocks


def test_a_continuation_page_that_fails_fails_the_article(tmp_path: Path) -> None:
    """As for page 1: the failure names the page that failed, and no record is made."""
    from twisted.python.failure import Failure

    spider = spider_for(tmp_path)
    sent = received(spider.crawler, blade_signals.fetch_failed)
    pages = Continuation((f"{SITE}{PAGED}2/",), frozenset({f"{SITE}{PAGED}2/"}))
    request = spider.continuation_request(f"{SITE}{PAGED}", article(), pages)
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy sets it
    assert spider.article_failed(failure) is None
    [kwargs] = sent
    assert (kwargs["outcome"].url, kwargs["outcome"].stage) == (f"{SITE}{PAGED}2/", "article")


# --- downloader middlewares -----------------------------------------------------------------

def test_backoff_doubles_and_honours_retry_after(tmp_path: Path) -> None:
    middleware = build_from_crawler(BackoffRetryMiddleware, crawler_for(
        tmp_path, BLADE_RETRY_BACKOFF_BASE=1.0, BLADE_RETRY_BACKOFF_MAX=30.0))
    request = Request(f"{SITE}/a/")
    assert middleware.backoff(request) == 1.0
    assert middleware.backoff(request.replace(meta={"retry_times": 3})) == 8.0
    assert middleware.backoff(request.replace(meta={"retry_times": 9})) == 30.0
    busy = Response(request.url, status=429, headers={"Retry-After": "7"})
    assert middleware.backoff(request, busy) == 7.0


def test_backoff_retries_a_server_error_after_a_pause(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, BLADE_RETRY_BACKOFF_BASE=0.01, RETRY_TIMES=1)
    middleware = build_from_crawler(BackoffRetryMiddleware, crawler)
    request = Request(f"{SITE}/a/")
    retry = asyncio.run(middleware.process_response(request, Response(request.url, status=503)))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    last = Response(request.url, status=503)
    assert asyncio.run(middleware.process_response(retry, last)) is last  # retries used up
    assert crawler.stats.get_value("blade/retry/backoff_seconds") == pytest.approx(0.01)


def test_crawl_delay_of_robots_txt_is_remembered_per_site(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, USER_AGENT="blade_spider")
    middleware = build_from_crawler(CrawlDelayMiddleware, crawler)

    class Robots:
        def crawl_delay(self, user_agent: str) -> float:
            return 5.0

    crawler.signals.send_catch_log(signal=signals.robots_parsed, robotparser=Robots(),
                                   request=Request(f"{SITE}/robots.txt"))
    assert middleware.delays == {"127.0.0.1:8089": 5.0}
    assert crawler.stats.get_value("blade/robots/crawl_delay") == 5.0


def test_same_site_stops_a_redirect_elsewhere(tmp_path: Path) -> None:
    spider = spider_for(tmp_path)
    middleware = build_from_crawler(SameSiteMiddleware, spider.crawler)
    assert middleware.process_request(Request(f"{SITE}/2020/01/01/a/")) is None
    with pytest.raises(IgnoreRequest, match="offsite"):
        middleware.process_request(Request("http://127.0.0.2/2020/01/01/a/"))
    assert middleware.process_request(Request("http://127.0.0.2/x", meta={"allow_offsite": 1}))\
        is None
    assert spider.crawler.stats.get_value("blade/offsite_blocked") == 1


@pytest.mark.parametrize(("body", "content_type", "text"), [
    ("<p>São Paulo</p>".encode("cp1252"), "text/html", "São Paulo"),
    ("<p>São Paulo</p>".encode(), "text/html", "São Paulo"),
    ('<meta charset="iso-8859-2"><p>\xe3</p>'.encode("latin-1"), "text/html", "ă"),
])
def test_an_undeclared_western_page_is_read_as_windows_1252(tmp_path: Path, body: bytes,
                                                            content_type: str, text: str) -> None:
    middleware = build_from_crawler(WesternFallbackEncodingMiddleware, crawler_for(tmp_path))
    request = Request(f"{SITE}/a/")
    response = HtmlResponse(request.url, body=body, headers={"Content-Type": content_type})
    read = middleware.process_response(request, response)
    assert isinstance(read, TextResponse) and text in read.text


def test_warc_capture_stores_article_pages_only(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    middleware = build_from_crawler(WarcCaptureMiddleware, crawler)
    page = article_request(f"{SITE}/2020/01/01/a/")
    other = Request(f"{SITE}/sitemap.xml")
    for request in (page, other):
        middleware.process_response(request, HtmlResponse(request.url, body=b"<html></html>"))
    middleware.spider_closed()
    assert set(page.meta) >= {"warc", "fetched_at"} and "warc" not in other.meta
    [path] = (tmp_path / "warc").glob("*.warc.gz")
    assert [c.url for c in scan_warc(path).captures] == [page.url]
