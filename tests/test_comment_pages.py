"""Comments split into pages ("Break comments into pages") are archived whole (issue 21).

The sample site serves comment pages in stock WordPress markup: the Zox posts with
``the_comments_navigation()`` (older/newer links only), the date-line posts with
``the_comments_pagination()`` (numbers, cut with dots on long threads). Whichever page the article
URL shows (``comments_order`` oldest or newest first), the record holds every comment once, in
thread order, with its parent.
"""

from __future__ import annotations

import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from blade_spider.archive.reparse import reparse
from blade_spider.extract import extract_page
from blade_spider.extract.assemble import Continuation, assemble, comment_page
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.sample_site import SampleSite
from blade_spider.sample_site.model import Post, shift
from blade_spider.urls import SiteHosts
from tests.conftest import archived, crawl

ORDERS = ("oldest", "newest")
#: Top-level comments a page (the sample site's option), and the long threads' top-level count.
PER_PAGE = 2
THREADS = 9


def long_thread(post: Post) -> list[dict[str, Any]]:
    """``THREADS`` top-level comments in time order, some with replies and replies to replies,
    in WordPress's threaded display order."""
    comments: list[dict[str, Any]] = []
    when = post.published
    for k in range(THREADS):
        when = shift(when, timedelta(hours=1))
        top = 900_000 + post.id * 100 + k * 5
        comments.append({"id": top, "parent_id": None, "author": f"Reader {k}",
                         "published": when, "text": f"Comment {k} on the story."})
        for depth in range(k % 3):  # 0, 1 or 2 nested replies
            when = shift(when, timedelta(minutes=10))
            comments.append({"id": top + depth + 1, "parent_id": top + depth,
                             "author": f"Replier {k}.{depth}", "published": when,
                             "text": f"Reply {depth} in thread {k}."})
    return comments


@pytest.fixture
def paged_site() -> Iterator[SampleSite]:
    """The sample site with comments split into pages, a Zox and a date-line post given long
    threads (nine pages cut the date-line numbers with dots)."""
    with SampleSite(n=30, seed=3) as site:
        site.set_option("comments_per_page", PER_PAGE)
        for layout in ("zox", "dateline"):
            post = next(p for p in site.archivable_posts() if p.layout == layout)
            site.update_post(post.id, comments=long_thread(post))
        yield site


def threads(post: Post) -> int:
    return sum(comment["parent_id"] is None for comment in post.comments)


def long_posts(site: SampleSite) -> list[Post]:
    return [p for p in site.archivable_posts() if threads(p) == THREADS]


def fetch(url: str) -> HtmlResponse:
    with urllib.request.urlopen(url) as answer:
        body = answer.read()
    return HtmlResponse(url=url, body=body, request=Request(url),
                        headers={"Content-Type": "text/html; charset=UTF-8"})


def put_together(site: SampleSite, post: Post) -> tuple[Article, list[str]]:
    """What the spider does, offline: page 1, then every continuation page it names."""
    hosts = SiteHosts(site.url)
    page = Page(fetch(site.url_for(post)), hosts)
    article = extract_page(page)
    pages = Continuation.start(page, article)
    fetched: list[str] = []
    while pages and pages.todo:
        fetched.append(pages.todo[0])
        pages = pages.after(fetch(pages.todo[0]), article, hosts)
    return assemble(article, pages.fetched if pages else (), hosts), fetched


def as_thread(comments: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(str(c["id"]), None if c["parent_id"] is None else str(c["parent_id"]))
            for c in comments]


@pytest.mark.parametrize("order", ORDERS)
def test_every_comment_page_is_put_together_in_thread_order(paged_site: SampleSite,
                                                             order: str) -> None:
    paged_site.set_option("comments_order", order)
    pages = -(-THREADS // PER_PAGE)
    for post in long_posts(paged_site):
        record, fetched = put_together(paged_site, post)
        shown = pages if order == "newest" else 1
        assert sorted(comment_page(url) for url in fetched) == \
            [n for n in range(1, pages + 1) if n != shown], post.layout
        assert as_thread(record.comments) == as_thread(post.comments), post.layout
        assert [c["author"] for c in record.comments] == [c["author"] for c in post.comments]
        assert record.comment_count == len(post.comments)
        assert record.crawl["comment_pages"] == pages and "pages" not in record.crawl
        assert record.body == post.body


def test_a_page_shown_under_two_urls_gives_its_comments_once(paged_site: SampleSite) -> None:
    """The article URL and ``comment-page-1/`` show the same comments (oldest first): a crawl
    that fetched both (a theme whose navigation marks no current page) keeps each once."""
    post = long_posts(paged_site)[0]
    hosts = SiteHosts(paged_site.url)
    article = extract_page(Page(fetch(paged_site.url_for(post)), hosts))
    others = [fetch(f"{paged_site.url_for(post)}comment-page-{n}/") for n in (1, 2, 3, 4, 5)]
    assert as_thread(assemble(article, others, hosts).comments) == as_thread(post.comments)


def test_a_post_without_comment_pages_is_left_alone(paged_site: SampleSite) -> None:
    post = next(p for p in paged_site.archivable_posts() if 0 < threads(p) <= PER_PAGE)
    page = Page(fetch(paged_site.url_for(post)), SiteHosts(paged_site.url))
    article = extract_page(page)
    assert Continuation.start(page, article) is None
    assert as_thread(article.comments) == as_thread(post.comments)


@pytest.mark.parametrize("order", ORDERS)
def test_a_crawl_archives_every_comment_page_as_one_article(paged_site: SampleSite,
                                                             order: str, tmp_path: Path) -> None:
    """End to end: comment pages are fetched once each, as continuations (no record of their
    own), the records' comments are the posts', and ``blade reparse`` puts the same records
    together again from the WARC captures."""
    paged_site.set_option("comments_order", order)
    output = tmp_path / "output"
    result = crawl(paged_site, output)
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["id"]: r for r in archived(output)}
    posts = paged_site.archivable_posts()
    assert set(records) == {f"wp-{p.id}" for p in posts}
    assert all(comment_page(r["url"]) is None for r in records.values())
    for post in posts:
        record = records[f"wp-{post.id}"]
        assert as_thread(record["comments"]) == as_thread(post.comments), post.id
        assert record["comment_count"] == len(post.comments)
    requested = Counter(request.path for request in paged_site.requests
                        if comment_page(request.path) is not None)
    assert set(requested.values()) == {1}
    assert len(requested) == sum(max(0, -(-threads(post) // PER_PAGE) - 1) for post in posts)
    again = reparse(output, dry_run=True, site=SiteHosts(paged_site.url))
    assert again.problems == [] and again.updated == 0
    assert again.unchanged == len(records)
