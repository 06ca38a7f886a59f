"""A post split over several pages (``<!--nextpage-->``) is one article, one record.

WordPress serves such a post as ``/slug/`` (page 1: headline, dates, byline, first part of the
body) and ``/slug/2/``, ``/slug/3/``… (the rest of the body and its photos). Page 1 says which
pages follow (:func:`continuation_urls`); :func:`assemble` appends their body and photos to page
1's article. Both are plain functions of pages already fetched, so the spider (which only
schedules the continuation requests) and ``blade reparse`` (which finds the pages in the WARC
captures) put a post together the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scrapy.http import Response, TextResponse

from blade_spider.extract import NotAnArticle, extract_article
from blade_spider.extract.layers.wordpress import WordPressLayer
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.urls import SiteHosts


def continuation_urls(page: Page, article: Article) -> list[str]:
    """Pages 2..N of the post on ``page`` (its page 1) in link order; none for a one-page
    post. Only pages of the same article count (``/slug/N/`` of its canonical URL)."""
    site = page.site
    article_url = site.article_url(article.url or page.url)
    pages = []
    for link in WordPressLayer(page).page_links():
        normalized = site.normalize(link)
        if (normalized and site.article_url(normalized) == article_url
                and normalized != article_url):
            pages.append(normalized)
    return list(dict.fromkeys(pages))


def assemble(first: Article, continuations: Sequence[Response], site: SiteHosts) -> Article:
    """Page 1's ``first`` article with the body blocks and the photos (those not already shown)
    of each continuation page, in order; ``crawl.pages`` counts the pages used.

    A continuation page that is not HTML or shows no article adds nothing (the rest of the post
    is still worth keeping); ``first`` itself is left as it is.
    """
    blocks, images, pages = list(first.body_blocks), list(first.images), 0
    for response in continuations:
        if not isinstance(response, TextResponse):
            continue
        try:
            part = extract_article(response, site)
        except NotAnArticle:
            continue
        blocks += part.body_blocks
        seen = {image["url"] for image in images}
        images += [image for image in part.images if image["url"] not in seen]
        pages += 1
    if not pages:
        return first
    return replace(first, body_blocks=blocks, images=images,
                   body="\n\n".join(block["text"] for block in blocks),
                   crawl={**first.crawl, "pages": first.crawl.get("pages", 1) + pages})
