"""An article spread over several pages is one article, one record.

WordPress spreads one article over several URLs in two ways:

- a post split with ``<!--nextpage-->``: ``/slug/`` (page 1: headline, dates, byline, first part
  of the body) and ``/slug/2/``, ``/slug/3/``… (the rest of the body and its photos);
- comments split into pages ("Break comments into pages"): the article URL shows one page of the
  comments (the first, or the last when the newest are shown first) and ``/slug/comment-page-N/``
  the others, each with the whole thread of every top-level comment on it.

Page 1 (and, for a long thread whose comment pages name only their neighbours, every page fetched
after it) says which pages follow (:class:`Continuation`); :func:`assemble` adds their body and
photos, or their comments, to page 1's article. Both are plain functions of pages already
fetched, so the spider (which only schedules the continuation requests) and ``blade reparse``
(which finds the pages in the WARC captures) put an article together the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree
from scrapy.http import Response, TextResponse

from blade_spider.extract import NotAnArticle, extract_article
from blade_spider.extract.layers.wordpress import WordPressLayer
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.urls import SiteHosts

_COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
#: Links to a comment page: what ``paginate_comments_links()`` and the older/newer comments links
#: print (``…/comment-page-2/#comments``); a comment's own permalink (``#comment-123``) names the
#: page it is on, often the one shown, and is no navigation.
_COMMENT_PAGE_LINKS = etree.XPath(
    "//a[contains(@href, 'comment-page-') and not(contains(@href, '#comment-'))]")
#: The number ``paginate_links()`` marks as the page shown, next to the links to the others.
_CURRENT = etree.XPath("../*[@aria-current='page' or "
                       "contains(concat(' ', normalize-space(@class), ' '), ' current ')]")


def comment_page(url: str) -> int | None:
    """``N`` of a comment page URL (``/slug/comment-page-N/``), ``None`` for any other URL."""
    match = _COMMENT_PAGE.search(url.split("#", 1)[0].split("?", 1)[0])
    return int(match.group(1)) if match else None


def continuation_urls(page: Page, article: Article, known: Iterable[str] = ()) -> list[str]:
    """The pages of the article on ``page`` that ``page`` links to and that are not ``known``:
    pages 2..N of a post split over pages (link order), then its comment pages. The article's
    own URL, ``page``'s, and the comment page ``page`` shows (which its comment navigation marks
    as current) are never among them."""
    site = page.site
    article_url = site.article_url(article.url or page.url)
    links, shown = _comment_page_links(page, article_url)
    skip = {article_url, site.normalize(page.url), *shown, *known}
    pages = []
    for link in [*WordPressLayer(page).page_links(), *links]:
        normalized = site.normalize(link)
        if (normalized and normalized not in skip
                and site.article_url(normalized) == article_url):
            pages.append(normalized)
    return list(dict.fromkeys(pages))


def _comment_page_links(page: Page, article_url: str | None) -> tuple[list[str], set[str]]:
    """The comment page links on ``page``, and the URL of each comment page that the
    navigation beside them marks as the one shown."""
    anchors = _COMMENT_PAGE_LINKS(page.root)
    links = [page.response.urljoin(anchor.get("href")) for anchor in anchors]
    shown = {page.site.normalize(f"{article_url}comment-page-{text}/") for anchor in anchors
             for mark in _CURRENT(anchor)
             if (text := "".join(mark.itertext()).strip()).isdigit()}
    return links, {url for url in shown if url}


@dataclass(frozen=True)
class Continuation:
    """Where putting one article together stands: the pages still to fetch (``todo``, the next
    first), every page listed so far (``known``) and the pages fetched (``fetched``, in fetch
    order). It travels with the continuation requests (and a JOBDIR queue): it holds values only.
    """

    todo: tuple[str, ...]
    known: frozenset[str]
    fetched: tuple[Response, ...] = ()

    @classmethod
    def start(cls, page: Page, article: Article) -> Continuation | None:
        """The pages page 1 names, or ``None`` when the article is all on ``page``."""
        pages = continuation_urls(page, article)
        if not pages:
            return None
        # The comment page the article URL shows is known: other pages link to it by number.
        _, shown = _comment_page_links(page, page.site.article_url(article.url or page.url))
        return cls(tuple(pages), frozenset({*pages, *shown}))

    def after(self, response: Response, article: Article, site: SiteHosts) -> Continuation:
        """This state once ``response`` (the page ``todo[0]``) is in, with the pages it names
        that were not known yet (a long thread's comment page may name only its neighbours)."""
        more: list[str] = []
        if isinstance(response, TextResponse):
            more = continuation_urls(Page(response, site), article, self.known)
        return Continuation((*self.todo[1:], *more), self.known | set(more),
                            (*self.fetched, response))


def assemble(first: Article, continuations: Sequence[Response], site: SiteHosts) -> Article:
    """Page 1's ``first`` article with the rest of it from each continuation page: the body
    blocks and the photos (those not already shown) of each page of the post, in order, and the
    comments of every comment page, in page order; ``crawl.pages`` counts the post's pages used,
    ``crawl.comment_pages`` the comment pages.

    A continuation page that is not HTML or shows no article adds nothing (the rest of the
    article is still worth keeping), nor does one redirected to the article URL (WordPress sends
    a page number the post or its comments do not have there); ``first`` itself is left as it is.
    """
    blocks, images, pages = list(first.body_blocks), list(first.images), 0
    comment_pages: dict[int, list[dict[str, Any]]] = {}
    article_url = site.article_url(first.url or "")
    for response in continuations:
        if not isinstance(response, TextResponse) or site.normalize(response.url) == article_url:
            continue
        try:
            part = extract_article(response, site)
        except NotAnArticle:
            continue
        number = comment_page(response.url)
        if number is not None:
            comment_pages[number] = part.comments
            continue
        blocks += part.body_blocks
        seen = {image["url"] for image in images}
        images += [image for image in part.images if image["url"] not in seen]
        pages += 1
    changes: dict[str, Any] = {}
    crawl = dict(first.crawl)
    if pages:
        changes.update(body_blocks=blocks, images=images,
                       body="\n\n".join(block["text"] for block in blocks))
        crawl["pages"] = first.crawl.get("pages", 1) + pages
    if comment_pages:
        comments = _merged_comments(first.comments, comment_pages)
        changes.update(comments=comments, comment_count=len(comments))
        crawl["comment_pages"] = len(comment_pages) + 1
    if not changes:
        return first
    return replace(first, **changes, crawl=crawl)


def _merged_comments(shown: list[dict[str, Any]],
                     pages: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every comment once, in page order (page 1 holds the oldest threads, whichever page the
    article URL shows), each page in its display order.

    The article URL shows the first page unless the newest comments come first: then it shows
    the last, and the page numbered 1 is among the others. A comment both on the article URL and
    on a numbered page (a page fetched twice under two URLs) keeps its numbered place.
    """
    position = max(pages) + 1 if 1 in pages else 1
    on_pages = {comment["id"] for comments in pages.values() for comment in comments}
    ordered = {**pages, position: [c for c in shown if c["id"] not in on_pages]}
    merged: dict[str, dict[str, Any]] = {}
    for number in sorted(ordered):
        for comment in ordered[number]:
            merged.setdefault(comment["id"], comment)
    return list(merged.values())
