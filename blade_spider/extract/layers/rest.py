"""WordPress itself, through its REST API: what it stores, whatever the theme prints.

The spider fetches ``/wp-json/wp/v2/posts?include=…`` for the articles whose page left a field
to a guess (see :func:`wants_rest`) and hands each post object to extraction in the request
meta (``blade_rest``), so a WARC re-parse or a site without the API reads the HTML alone. The
post gives the publish instant with its real offset (``date_gmt``), ``modified_gmt``, the title,
the body as WordPress bounded it (``content.rendered``), and, embedded (``_embed``), the
authors' and terms' names and the featured image's caption and alt text.

Which source wins for each field is written in ``docs/EXTRACTION.md``: the page's own markup is
asked first (it shows the date as printed, the subheadline, captions as shown); this layer comes
before every layer that guesses (header text, generic body, feed, permalink).
"""

from __future__ import annotations

import html
from typing import Any

from lxml import etree

from blade_spider.extract.blocks import Block, blocks_from
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.page import Page
from blade_spider.record.items import Comment, Image
from blade_spider.record.text import element_text

#: The request-meta keys the spider puts a post's REST object and its comments under.
META_KEY = "blade_rest"
COMMENTS_KEY = "blade_rest_comments"
#: The post fields a batch asks for (``_fields``): only what this layer reads.
FIELDS = ("id", "link", "date", "date_gmt", "modified_gmt", "title", "content", "_links",
          "_embedded")
#: The comment fields a batch asks for.
COMMENT_FIELDS = ("id", "post", "parent", "author_name", "date_gmt", "content")
#: The embedded objects asked for (``_embed``): authors, terms, featured image, in the same
#: request, so users, terms and media cost nothing more.
EMBED = ("author", "wp:term", "wp:featuredmedia")
_PARSER = etree.HTMLParser(collect_ids=False)


def rest_post(page: Page) -> dict[str, Any] | None:
    """The post's REST object the crawl fetched for this page, if any."""
    post = page.request_meta.get(META_KEY)
    return post if isinstance(post, dict) else None


def _rendered(value: Any) -> str | None:
    """A ``{"rendered": …}`` field's HTML (a plain string is taken as it is)."""
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else None


def fragment(markup: str) -> etree._Element | None:
    """An HTML fragment (``content.rendered``) parsed into one ``div``."""
    root = etree.fromstring(f"<html><body><div>{markup}</div></body></html>", _PARSER)
    return root.find("body/div") if root is not None else None


def rest_texts(post: dict[str, Any] | None) -> set[str]:
    """The normalised text of each paragraph of the post's content (what a page's content
    element is matched against)."""
    markup = _rendered(post.get("content")) if post else None
    content = fragment(markup) if markup else None
    if content is None:
        return set()
    return {text for p in content.iter("p") if (text := element_text(p))}


def _date(value: Any, offset: str = "+00:00") -> str | None:
    """A REST ``*_gmt`` time (no offset given: it is UTC)."""
    return f"{value}{offset}" if isinstance(value, str) and value else None


class RestLayer(Layer):
    """The post as WordPress stores it (see the module docstring)."""

    name = "rest_api"

    @property
    def post(self) -> dict[str, Any]:
        return rest_post(self.page) or {}

    def _embedded(self, name: str) -> list[Any]:
        found = (self.post.get("_embedded") or {}).get(name)
        return found if isinstance(found, list) else []

    @reader("wp_post_id")
    def wp_post_id(self) -> int | None:
        value = self.post.get("id")
        return value if isinstance(value, int) else None

    @reader("headline")
    def headline(self) -> str | None:
        title = _rendered(self.post.get("title"))
        return element_text(fragment(title)) if title else None

    @reader("published")
    def published(self) -> str | None:
        return _date(self.post.get("date_gmt")) or (self.post.get("date") or None)

    @reader("modified")
    def modified(self) -> str | None:
        return _date(self.post.get("modified_gmt"))

    @reader("authors")
    def authors(self) -> list[str] | None:
        names = [a.get("name") for a in self._embedded("author") if isinstance(a, dict)]
        return [n for n in names if isinstance(n, str) and n] or None

    def _terms(self, taxonomy: str) -> list[str]:
        return [html.unescape(term["name"]) for group in self._embedded("wp:term")
                if isinstance(group, list) for term in group
                if isinstance(term, dict) and term.get("taxonomy") == taxonomy
                and isinstance(term.get("name"), str)]

    @reader("categories")
    def categories(self) -> list[str] | None:
        return self._terms("category") or None

    @reader("section")
    def section(self) -> str | None:
        categories = self._terms("category")
        return categories[0] if categories else None

    @reader("tags")
    def tags(self) -> list[str] | None:
        return self._terms("post_tag") or None

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        markup = _rendered(self.post.get("content"))
        return blocks_from(fragment(markup)) or None if markup else None

    @reader("comments")
    def comments(self) -> list[Comment] | None:
        """The post's comments in display order: each after the one it answers, replies and
        top-level comments oldest first (WordPress's threaded order)."""
        found = self.page.request_meta.get(COMMENTS_KEY)
        if not isinstance(found, list):
            return None
        replies: dict[int, list[dict[str, Any]]] = {}
        for comment in sorted((c for c in found if isinstance(c, dict)
                               and isinstance(c.get("id"), int)),
                              key=lambda c: (str(c.get("date_gmt")), c["id"])):
            replies.setdefault(int(comment.get("parent") or 0), []).append(comment)
        ordered: list[Comment] = []
        stack = list(reversed(replies.get(0, [])))
        while stack:
            comment = stack.pop()
            markup = _rendered(comment.get("content")) or ""
            content = fragment(markup)
            ordered.append(Comment(
                id=str(comment["id"]),
                parent_id=str(comment["parent"]) if comment.get("parent") else None,
                author=comment.get("author_name") or None,
                published=_date(comment.get("date_gmt")),
                text="\n\n".join(block["text"] for block in blocks_from(content))))
            stack.extend(reversed(replies.get(comment["id"], [])))
        return ordered or None

    @reader("images")
    def images(self) -> list[Image] | None:
        media = next((m for m in self._embedded("wp:featuredmedia") if isinstance(m, dict)),
                     None)
        if media is None or not isinstance(media.get("source_url"), str):
            return None
        caption = _rendered(media.get("caption"))
        return [Image(url=media["source_url"], alt=media.get("alt_text") or None,
                      caption=element_text(fragment(caption)) or None if caption else None,
                      featured=True)]


def wants_rest(crawl: dict[str, Any]) -> bool:
    """Whether a record read from its page alone (its ``crawl`` provenance) left a field to a
    guess or empty, so the post's REST object is worth fetching: the publication date came from
    a layer that reads text or a listing, or only to the day; the body's bounds were guessed;
    or a field is missing."""
    layers = crawl.get("parser_layers", {})
    return (layers.get("published") in GUESSING_DATE_LAYERS
            or "published" in crawl.get("date_precision", {})
            or layers.get("body_blocks") in ("bounded", "generic")
            or bool(crawl.get("missing")))


#: Layers whose publication date is read from text or a listing, not stated by WordPress.
GUESSING_DATE_LAYERS = frozenset({"header_text", "feed", "permalink"})
