"""Page assembly: a post split with ``<!--nextpage-->`` becomes one record (real WordPress
pages of both themes, page 1 and page 2 of the same post)."""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse, Request, Response

from blade_spider.extract import extract_page
from blade_spider.extract.assemble import assemble, continuation_urls
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.urls import SiteHosts
from tests.conftest import WORDPRESS

SITE = SiteHosts("http://127.0.0.1:8089")
SLUG = "2023-02-20-trans-actors-take-center-stage-in-capitol-reps-new-season"
URL = "http://127.0.0.1:8089/2023/02/20/trans-actors-take-center-stage-in-capitol-reps-new-season/"
THEMES = ("classic", "block")


def page_response(theme: str, number: int, photos: tuple[str, ...] = ()) -> HtmlResponse:
    """Page ``number`` of the post as fetched, with ``photos`` added at the top of its body."""
    suffix = "" if number == 1 else f"-page-{number}"
    html = (WORDPRESS / theme / f"{SLUG}{suffix}.html").read_bytes()
    if photos:
        figures = b"".join(
            b'<figure class="wp-block-image"><img src="/wp-content/uploads/%s.jpg" alt="%s">'
            b"<figcaption>Photo %s</figcaption></figure>" % ((name.encode(),) * 3)
            for name in photos)
        html, count = re.subn(rb'(<div class="entry-content">)', lambda m: m[1] + figures, html,
                              count=1)
        assert count == 1
    url = URL if number == 1 else f"{URL}{number}/"
    return HtmlResponse(url=url, body=html, request=Request(url),
                        headers={"Content-Type": "text/html; charset=UTF-8"})


def first_page(theme: str, photos: tuple[str, ...] = ()) -> tuple[Page, Article]:
    page = Page(page_response(theme, 1, photos), SITE)
    return page, extract_page(page)


@pytest.mark.parametrize("theme", THEMES)
def test_page_one_names_its_continuation_pages(theme: str) -> None:
    page, article = first_page(theme)
    assert continuation_urls(page, article) == [f"{URL}2/"]


@pytest.mark.parametrize("theme", THEMES)
def test_the_last_page_names_none(theme: str) -> None:
    """Page 2 links back to page 1: that is the article itself, not a page to fetch."""
    page = Page(page_response(theme, 2), SITE)
    assert continuation_urls(page, extract_page(page)) == []


@pytest.mark.parametrize("theme", THEMES)
def test_continuation_pages_add_their_body_in_order(theme: str) -> None:
    _, article = first_page(theme)
    part = extract_page(Page(page_response(theme, 2), SITE))
    whole = assemble(article, [page_response(theme, 2)], SITE)
    assert whole.body_blocks == article.body_blocks + part.body_blocks
    assert whole.body == "\n\n".join(block["text"] for block in whole.body_blocks)
    assert whole.crawl["pages"] == 2
    assert (whole.headline, whole.published, whole.url) == (article.headline,
                                                            article.published, article.url)


def test_a_photo_shown_on_two_pages_is_kept_once() -> None:
    _, article = first_page("classic", photos=("stage",))
    whole = assemble(article, [page_response("classic", 2, photos=("stage", "cast"))], SITE)
    assert [image["url"].rsplit("/", 1)[1] for image in whole.images] == ["stage.jpg",
                                                                          "cast.jpg"]


def test_page_one_is_left_as_it_was() -> None:
    _, article = first_page("classic")
    blocks = list(article.body_blocks)
    assemble(article, [page_response("classic", 2)], SITE)
    assert article.body_blocks == blocks and "pages" not in article.crawl


def test_a_continuation_page_that_is_no_article_adds_nothing() -> None:
    """A continuation URL that answers a "not found" page or a binary file: the post keeps
    page 1 (and any other page), as the crawl always did."""
    _, article = first_page("classic")
    not_found = HtmlResponse(url=f"{URL}2/", body=(WORDPRESS / "classic" / "404.html").read_bytes(),
                             headers={"Content-Type": "text/html; charset=UTF-8"})
    binary = Response(url=f"{URL}3/", body=b"%PDF-1.4")
    assert assemble(article, [not_found, binary], SITE) is article
    with_page_two = assemble(article, [not_found, page_response("classic", 2)], SITE)
    assert with_page_two.crawl["pages"] == 2
