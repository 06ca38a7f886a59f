"""Standard WordPress markup, as stock classic and block themes print it, plus microdata.

This is the layer that keeps working when the Blade's own template changes: WordPress core and
its default themes have printed ``entry-title``/``entry-content``/``time.entry-date``/``rel=tag``
for over a decade, and block themes print ``wp-block-post-*`` equivalents.
"""

from __future__ import annotations

import re
from functools import cached_property

from lxml import etree

from blade_spider.extract.blocks import Block, blocks_from
from blade_spider.extract.comments import comments_in
from blade_spider.extract.images import photo, photos_in
from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.rails import in_rail_item
from blade_spider.record.items import Comment, Image
from blade_spider.record.text import element_text

#: Where WordPress prints the post id, most reliable first: (element, attribute, pattern).
_POST_ID_PATTERNS = tuple((css, attribute, re.compile(pattern)) for css, attribute, pattern in (
    ("link[rel='shortlink']", "href", r"[?&]p=(\d+)"),
    ("body", "class", r"\bpostid-(\d+)\b"),
    ("article", "id", r"^post-(\d+)$"),
    ("link[rel='alternate'][href*='/wp/v2/posts/']", "href", r"/wp/v2/posts/(\d+)"),
    ("input[name='comment_post_ID']", "value", r"^(\d+)$"),
))
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


#: Tag links; block themes mark category links ``rel="tag"`` too, so those are told apart by the
#: category list around them.
TAG_LINKS = ".tags-links a, .taxonomy-post_tag a, .post-tags a"
REL_TAG_LINKS = "a[rel='tag']"
CATEGORY_LISTS = frozenset({"taxonomy-category", "cat-links"})


def _texts(nodes: list[etree._Element]) -> list[str]:
    return [t for t in (element_text(n) for n in nodes) if t]


def _in_category_list(link: etree._Element) -> bool:
    """Whether ``link`` stands in a category list."""
    return any(not CATEGORY_LISTS.isdisjoint(a.get("class", "").split())
               for a in link.iterancestors())


class WordPressLayer(Layer):
    """Stock WordPress theme markup (classic + block themes) and schema.org microdata."""

    name = "wordpress"

    @cached_property
    def scope(self) -> etree._Element:
        """The main post element, so sidebars and teasers never answer for the article."""
        found = self.page.first(ARTICLE_SCOPE)
        return found if found is not None else self.page.root

    def _first(self, query: str) -> etree._Element | None:
        """The first match inside the post element, else anywhere on the page."""
        found = self.page.first(query, self.scope)
        if found is None and self.scope is not self.page.root:
            found = self.page.first(query)
        return found

    @cached_property
    def content(self) -> etree._Element | None:
        return self._first(CONTENT)

    @reader("wp_post_id")
    def wp_post_id(self) -> str | None:
        for css, attribute, pattern in _POST_ID_PATTERNS:
            for element in self.page.css(css):
                match = pattern.search(element.get(attribute) or "")
                if match:
                    return match.group(1)
        return None

    @reader("url")
    def url(self) -> str | None:
        link = self.page.first("link[rel='canonical']")
        return link.get("href") if link is not None else None

    @reader("headline")
    def headline(self) -> str | None:
        found = self._first(HEADLINE)
        return element_text(found) if found is not None else None

    @reader("authors")
    def authors(self) -> list[str] | None:
        return _texts(self.page.css(AUTHOR_LINKS, self.scope)) or None

    @cached_property
    def published_node(self) -> etree._Element | None:
        """The post's publication ``time`` (asked for the date and for its printed form)."""
        return self._first(PUBLISHED_TIME)

    @reader("published")
    def published(self) -> str | None:
        node = self.published_node
        if node is None:
            return None
        return node.get("datetime") or node.get("content") or element_text(node)

    @reader("published_raw")
    def published_raw(self) -> str | None:
        node = self.published_node
        return (element_text(node) or None) if node is not None else None

    @reader("modified")
    def modified(self) -> str | None:
        for node in self.page.css("time.updated, [itemprop='dateModified']", self.scope):
            if "published" in node.get("class", ""):
                continue  # "entry-date published updated": the publish date, not an edit
            value = node.get("datetime") or node.get("content")
            if value:
                return value
        return None

    @cached_property
    def _categories(self) -> list[str]:
        return _texts(self.page.css(
            ".cat-links a, a[rel~='category'], .taxonomy-category a, "
            "[itemprop='articleSection']", self.scope
        ))

    @reader("categories")
    def categories(self) -> list[str] | None:
        return self._categories or None

    @reader("section")
    def section(self) -> str | None:
        return self._categories[0] if self._categories else None

    @reader("tags")
    def tags(self) -> list[str] | None:
        links = self.page.css(f"{TAG_LINKS}, {REL_TAG_LINKS}", self.scope)
        in_categories = {a for a in links if _in_category_list(a)}
        if in_categories:  # a category link marked rel="tag" is no tag (unless a tag list's)
            tag_links = set(self.page.css(TAG_LINKS, self.scope))
            links = [a for a in links if a in tag_links or a not in in_categories]
        return _texts(links) or None

    @reader("body_blocks")
    def body_blocks(self) -> list[Block] | None:
        return blocks_from(self.content) or None

    def featured_image(self) -> Image | None:
        """The theme's featured image (post thumbnail), outside or at the top of the content;
        another story's thumbnail in a teaser (a rail prints them the same way) is not it."""
        for img in self.page.css(
            ".post-thumbnail img, .wp-block-post-featured-image img, img.wp-post-image, "
            ".featured-image img", self.scope
        ):
            if in_rail_item(img, self.page):
                continue
            image = photo(img, self.page.url, featured=True)
            if image:
                return image
        return None

    @reader("images")
    def images(self) -> list[Image] | None:
        featured = self.featured_image()
        inline = photos_in(self.content, self.page.url, lead=featured is None)
        images = [featured] if featured else []
        images += [i for i in inline if not featured or i.url != featured.url]
        return images or None

    @reader("comments")
    def comments(self) -> list[Comment] | None:
        return comments_in(self.page) or None

    def page_links(self) -> list[str]:
        """Links to the other pages of a post split with ``<!--nextpage-->``."""
        links = self.page.css(".page-links a, .post-nav-links a, a.post-page-numbers")
        return [self.page.response.urljoin(a.get("href")) for a in links if a.get("href")]

    @reader("language")
    def language(self) -> str | None:
        return self.page.root.get("lang")

