"""Standard WordPress markup, as stock classic and block themes print it, plus microdata.

This is the layer that keeps working when the Blade's own template changes: WordPress core and
its default themes have printed ``entry-title``/``entry-content``/``time.entry-date``/``rel=tag``
for over a decade, and block themes print ``wp-block-post-*`` equivalents.
"""

from __future__ import annotations

import re
from functools import cached_property

from parsel import Selector, SelectorList

from blade_spider.extract.blocks import Block, blocks_from
from blade_spider.extract.comments import comments_in
from blade_spider.extract.images import photo, photos_in
from blade_spider.extract.layers.base import Layer
from blade_spider.items import Comment, Image
from blade_spider.text import element_text

_POST_ID_PATTERNS = (
    ("//link[@rel='shortlink']/@href", re.compile(r"[?&]p=(\d+)")),
    ("//body/@class", re.compile(r"\bpostid-(\d+)\b")),
    ("//article/@id", re.compile(r"^post-(\d+)$")),
    ("//link[@rel='alternate' and contains(@href, '/wp/v2/posts/')]/@href",
     re.compile(r"/wp/v2/posts/(\d+)")),
    ("//input[@name='comment_post_ID']/@value", re.compile(r"^(\d+)$")),
)
ARTICLE_SCOPE = (
    "article.post, article.type-post, article[id^='post-'], .hentry, "
    "[itemtype*='schema.org/NewsArticle'], [itemtype*='schema.org/Article'], "
    "[itemtype*='schema.org/BlogPosting'], main"
)
CONTENT = (
    ".entry-content, .wp-block-post-content, [itemprop='articleBody'], .post-content, "
    ".article-content, .single-content"
)
HEADLINE = ".entry-title, h1.wp-block-post-title, h1[itemprop='headline'], [itemprop='headline']"
PUBLISHED_TIME = (
    "time.entry-date.published, time.published, time.entry-date, .wp-block-post-date time, "
    "[itemprop='datePublished']"
)
AUTHOR_LINKS = (
    ".byline .author a, .entry-meta .author a, .posted-by a, .author.vcard a, .author .fn, "
    ".author-bio .author-title, "
    ".wp-block-post-author__name, .wp-block-post-author-name, "
    "[itemprop='author'] [itemprop='name'], a[rel='author']"
)


def _texts(nodes: SelectorList) -> list[str]:
    return [t for t in (element_text(n) for n in nodes) if t]


class WordPressLayer(Layer):
    """Stock WordPress theme markup (classic + block themes) and schema.org microdata."""

    name = "wordpress"

    @cached_property
    def scope(self) -> Selector:
        """The main post element, so sidebars and teasers never answer for the article."""
        found = self.page.sel.css(ARTICLE_SCOPE)
        return found[0] if found else self.page.sel

    @cached_property
    def content(self) -> Selector | None:
        found = self.scope.css(CONTENT) or self.page.sel.css(CONTENT)
        return found[0] if found else None

    def wp_post_id(self) -> str | None:
        for xpath, pattern in _POST_ID_PATTERNS:
            for value in self.page.sel.xpath(xpath).getall():
                match = pattern.search(value)
                if match:
                    return match.group(1)
        return None

    def url(self) -> str | None:
        return self.page.sel.xpath("//link[@rel='canonical']/@href").get()

    def headline(self) -> str | None:
        found = self.scope.css(HEADLINE) or self.page.sel.css(HEADLINE)
        return element_text(found[0]) if found else None

    def authors(self) -> list[str] | None:
        return _texts(self.scope.css(AUTHOR_LINKS)) or None

    def _published_node(self) -> Selector | None:
        found = self.scope.css(PUBLISHED_TIME) or self.page.sel.css(PUBLISHED_TIME)
        return found[0] if found else None

    def published(self) -> str | None:
        node = self._published_node()
        if node is None:
            return None
        return node.attrib.get("datetime") or node.attrib.get("content") or element_text(node)

    def published_raw(self) -> str | None:
        node = self._published_node()
        return (element_text(node) or None) if node is not None else None

    def modified(self) -> str | None:
        for node in self.scope.css("time.updated, [itemprop='dateModified']"):
            if "published" in node.attrib.get("class", ""):
                continue  # "entry-date published updated": the publish date, not an edit
            value = node.attrib.get("datetime") or node.attrib.get("content")
            if value:
                return value
        return None

    def categories(self) -> list[str] | None:
        return _texts(self.scope.css(
            ".cat-links a, a[rel~='category'], .taxonomy-category a, "
            "[itemprop='articleSection']"
        )) or None

    def section(self) -> str | None:
        categories = self.categories()
        return categories[0] if categories else None

    def tags(self) -> list[str] | None:
        # Block themes mark category links rel="tag" too: those inside a category list are not.
        return _texts(self.scope.xpath(
            ".//*[contains(@class, 'tags-links') or contains(@class, 'taxonomy-post_tag')"
            " or contains(@class, 'post-tags')]//a"
            " | .//a[@rel='tag'][not(ancestor::*[contains(@class, 'taxonomy-category')"
            " or contains(@class, 'cat-links')])]"
        )) or None

    def body_blocks(self) -> list[Block] | None:
        return blocks_from(self.content) or None

    def featured_image(self) -> Image | None:
        """The theme's featured image (post thumbnail), outside or at the top of the content."""
        for img in self.scope.css(
            ".post-thumbnail img, .wp-block-post-featured-image img, img.wp-post-image, "
            ".featured-image img"
        ):
            image = photo(img.root, self.page.url, featured=True)
            if image:
                return image
        return None

    def images(self) -> list[Image] | None:
        featured = self.featured_image()
        inline = photos_in(self.content, self.page.url)
        images = [featured] if featured else []
        images += [i for i in inline if not featured or i.url != featured.url]
        return images or None

    def comments(self) -> list[Comment] | None:
        return comments_in(self.page.sel) or None

    def page_links(self) -> list[str]:
        """Links to the other pages of a post split with ``<!--nextpage-->``."""
        hrefs = self.page.sel.css(
            ".page-links a::attr(href), .post-nav-links a::attr(href), "
            "a.post-page-numbers::attr(href)"
        ).getall()
        return [self.page.response.urljoin(h) for h in hrefs]

    def language(self) -> str | None:
        return self.page.sel.xpath("/html/@lang").get()

