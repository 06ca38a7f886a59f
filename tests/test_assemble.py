"""Page assembly: a post split with ``<!--nextpage-->`` becomes one record (real WordPress
pages of both themes, page 1 and page 2 of the same post)."""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse, Request, Response

from blade_spider.extract import extract_page
from blade_spider.extract.assemble import Continuation, assemble, continuation_urls
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


def test_a_page_redirected_to_the_article_adds_nothing() -> None:
    """WordPress redirects a page number the post does not have (``/slug/5/``) to the post."""
    _, article = first_page("classic")
    assert assemble(article, [page_response("classic", 1)], SITE) is article


# --- comments split into pages ------------------------------------------------------------------

def comment_item(number: int, replies: str = "") -> str:
    """A comment as Twenty Twenty-One prints it, with its replies nested."""
    children = f'<ol class="children">{replies}</ol>' if replies else ""
    return (f'<li id="comment-{number}" class="comment depth-1"><article id="div-comment-{number}"'
            f' class="comment-body"><footer class="comment-meta"><div class="comment-author '
            f'vcard"><b class="fn">Reader {number}</b> <span class="says">says:</span></div>'
            f'<div class="comment-metadata"><a href="{URL}comment-page-9/#comment-{number}">'
            f'<time datetime="2023-02-21T10:0{number}:00-05:00">February 21, 2023</time></a>'
            f'</div></footer><div class="comment-content"><p>Comment number {number}.</p></div>'
            f"</article>{children}</li>")


def with_comments(response: HtmlResponse, url: str, comments: str, older: str | None,
                  newer: str | None) -> HtmlResponse:
    """``response``'s page at ``url`` showing ``comments`` and ``the_comments_navigation()``
    links to the ``older`` and ``newer`` comment pages (whose permalinks point at page 9: no
    page to follow)."""
    links = "".join(f'<div class="nav-{kind}"><a href="{href}#comments">{text}</a></div>'
                    for kind, href, text in (("previous", older, "Older comments"),
                                             ("next", newer, "Newer comments")) if href)
    area = (f'<div id="comments" class="comments-area"><ol class="comment-list">{comments}</ol>'
            f'<nav class="navigation comment-navigation" aria-label="Comments"><h2 '
            f'class="screen-reader-text">Comments navigation</h2><div class="nav-links">{links}'
            "</div></nav></div></main>")
    body = response.body.replace(b"</main>", area.encode(), 1)
    return HtmlResponse(url=url, body=body, request=Request(url),
                        headers={"Content-Type": "text/html; charset=UTF-8"})


def test_a_split_post_with_comment_pages_is_one_article() -> None:
    """Every page of the post shows the first comment page; comment page 2 shows page 1 of the
    post again, whose body must not be added twice."""
    shown = comment_item(1) + comment_item(2)
    second = f"{URL}comment-page-2/"
    page = Page(with_comments(page_response("classic", 1), URL, shown, None, second), SITE)
    article = extract_page(page)
    pages = Continuation.start(page, article)
    assert pages is not None and pages.todo == (f"{URL}2/", second)
    responses = {
        f"{URL}2/": with_comments(page_response("classic", 2), f"{URL}2/", shown, None, second),
        second: with_comments(page_response("classic", 1), second,
                              comment_item(3, comment_item(4)), URL, None),
    }
    while pages.todo:
        pages = pages.after(responses[pages.todo[0]], article, SITE)
    assert [r.url for r in pages.fetched] == [f"{URL}2/", second]
    whole = assemble(article, pages.fetched, SITE)
    part = extract_page(Page(page_response("classic", 2), SITE))
    assert whole.body_blocks == article.body_blocks + part.body_blocks
    assert [(c["id"], c["parent_id"]) for c in whole.comments] == [
        ("1", None), ("2", None), ("3", None), ("4", "3")]
    assert whole.comment_count == 4
    assert (whole.crawl["pages"], whole.crawl["comment_pages"]) == (2, 2)
