"""``ArticleLoader``: layers feed it raw values in priority order; its processors clean them.

Each input processor is one small named function (reused across fields) that turns a raw value
into a clean one or drops it; a field's winner is the first layer whose value survives, recorded
in ``crawl.parser_layers``. List-valued fields (authors, tags, blocks, photos, comments) are
collected as one value per layer so that layers never mix: the record takes one layer's list.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import is_dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from itemloaders.processors import Compose, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from blade_spider import __version__
from blade_spider.record.bylines import split_authors
from blade_spider.record.captions import clean_caption, split_credit
from blade_spider.record.dates import PageDate, parse_page_date
from blade_spider.record.items import Article
from blade_spider.record.text import normalize_space, single_line
from blade_spider.urls import SiteHosts, absolute_url, url_id

_SITE_NAME = re.compile(r"\s+[-|–—:]\s+(?:The\s+)?Washington Blade\b.*$", re.IGNORECASE)
_SITE_TITLE = re.compile(r"^(?:the\s+)?washington blade\s*(?:[:|–—-].*)?$", re.IGNORECASE)
_RELATED_LINE = re.compile(
    r"^(?:RELATED|READ MORE|MORE|SEE ALSO|ALSO READ|READ ALSO)\s*:", re.IGNORECASE
)
_BLOCK_TYPES = frozenset({"paragraph", "heading", "quote", "list_item", "preformatted"})
_MAX_HEADLINE = 400
_MAX_BIO = 400
_FOLLOW_LINK = re.compile(r"\bFollow\s+@?\S+\s*$")
#: Fields every article has: when no source gives one, the record is archived with it null and
#: names it in ``crawl.missing`` (the article is only rejected without headline and body).
NOTED_FIELDS = ("headline", "published", "body")


# --- input processors: one concern each --------------------------------------------------------

def clean_line(value: Any) -> str | None:
    """Text on one line, whitespace collapsed; non-strings and empty strings are dropped."""
    if not isinstance(value, str):
        return None
    return single_line(value) or None


def strip_site_name(value: str) -> str | None:
    """``Headline - Washington Blade: LGBTQ News...`` → ``Headline``; the bare site title (what
    a page without a headline shows in ``<title>``) is no headline at all."""
    if _SITE_TITLE.match(value):
        return None
    stripped = _SITE_NAME.sub("", value).strip()
    return stripped if 0 < len(stripped) <= _MAX_HEADLINE else None


def to_post_id(value: Any) -> int | None:
    """A positive WordPress post id."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def to_page_date(value: Any) -> PageDate | None:
    return parse_page_date(value) if isinstance(value, str) else None


def to_language(value: str) -> str | None:
    """A BCP 47 tag: ``en_US`` → ``en-US``; anything that is not a language tag is dropped."""
    tag = value.replace("_", "-")
    return tag if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", tag) else None


def as_one(values: list[Any]) -> list[list[Any]] | None:
    """Wrap a layer's cleaned list as one collected value (``None`` when it is empty)."""
    return [values] if values else None


def unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values once each, in first-seen order."""
    return list(dict.fromkeys(v for v in values if v))


def to_names(values: list[Any]) -> list[str]:
    """Bylines or name lists to one entry per person."""
    return unique(name for value in values if isinstance(value, str)
                  for name in split_authors(value))


def to_terms(values: list[Any]) -> list[str]:
    """Category or tag names: cleaned, once each."""
    return unique(clean_line(v) for v in values)


def to_blocks(values: list[Any]) -> list[dict[str, str]]:
    """Body blocks with normalised text; empty blocks and ``RELATED:`` link lines dropped."""
    blocks = []
    for block in values:
        if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
            continue
        raw = block.get("text") or ""
        text = raw.strip("\n") if block["type"] == "preformatted" else normalize_space(raw)
        if text.strip() and not _RELATED_LINE.match(text):
            blocks.append({"type": block["type"], "text": text})
    return blocks


def _as_dict(value: Any) -> dict[str, Any]:
    """A layer's photo or comment (a flat dataclass, or already a dict) as a new dict (a shallow
    copy: ``dataclasses.asdict`` deep-copies, for nothing, on every page)."""
    return dict(vars(value)) if is_dataclass(value) else dict(value)


def to_images(values: list[Any], loader_context: dict[str, Any]) -> list[dict[str, Any]]:
    """Photos as records: absolute URL, alt, whole caption, credit split off; the layer says
    which one leads (none when the page has no featured photo and none above the body)."""
    base = loader_context.get("base_url", "")
    images: list[dict[str, Any]] = []
    seen: set[str] = set()
    for value in values:
        image = _as_dict(value)
        url = image.get("url")
        if not isinstance(url, str) or not url.strip():
            continue
        url = absolute_url(base, url.strip())
        if url in seen:
            continue
        seen.add(url)
        caption = clean_caption(image.get("caption"))
        images.append({
            "url": url,
            "alt": clean_line(image.get("alt")),
            "caption": caption,
            "credit": split_credit(caption),
            "featured": bool(image.get("featured")),
        })
    return images


def to_comments(values: list[Any]) -> list[dict[str, Any]]:
    """Comments as records, their dates in the site's zone."""
    comments = []
    for value in values:
        comment = _as_dict(value)
        date = parse_page_date(comment.get("published"))
        comment["published"] = date.isoformat() if date else None
        comment["author"] = clean_line(comment.get("author"))
        comment["text"] = normalize_space(comment.get("text"))
        comments.append(comment)
    return comments


def without_headline(blocks: list[dict[str, str]], headline: str | None) -> list[dict[str, str]]:
    """Generic extractors start the body with the title; the record keeps it out of the body."""
    if blocks and headline and blocks[0]["text"].casefold() == headline.casefold():
        return blocks[1:]
    return blocks


def without_author_bio(blocks: list[dict[str, str]], authors: list[str]) -> list[dict[str, str]]:
    """Drop the theme's author box when it landed in the body as a plain paragraph
    (``Michael K. Lavers is the international news editor of the Washington Blade. Follow
    Michael``): page chrome even when no class marks it. A columnist's tagline written into
    the post itself (no "Follow" link) is the author's text and stays."""
    if not blocks or not authors:
        return blocks
    last = blocks[-1]["text"]
    is_bio = (any(last.startswith(f"{name} is ") for name in authors)
              and "Washington Blade" in last and len(last) < _MAX_BIO
              and _FOLLOW_LINK.search(last) is not None)
    return blocks[:-1] if is_bio else blocks


def to_site_urls(values: list[Any], loader_context: dict[str, Any]) -> list[str]:
    """Canonical URLs on this site only (a syndicated copy's canonical is not ours).

    A module function with ``loader_context``, not a loader method: itemloaders caches the
    processors it inspects, and a cached bound method would keep every loader (and its page)
    alive for the whole crawl.
    """
    site: SiteHosts = loader_context["site"]
    urls = []
    for value in values:
        if isinstance(value, str) and value.startswith(("http://", "https://", "//")):
            normalized = site.article_url(value) or site.normalize(value)
            if normalized:
                urls.append(normalized)
    return urls


# --- output processors -------------------------------------------------------------------------

def first_precise(values: list[PageDate]) -> PageDate | None:
    """The first date that has a time of day, else the first date."""
    return next((v for v in values if v.has_time), values[0] if values else None)


class FieldSource(Protocol):
    """A named source of raw field values, such as an extraction layer: the record package
    knows sources by this shape only, so it never imports the extraction package."""

    name: str

    def get(self, field: str) -> Any:
        """The raw value of ``field`` (``None`` when the source has nothing)."""


class ArticleLoader(ItemLoader):
    """Fills an :class:`~blade_spider.record.items.Article` from extraction layers."""

    default_item_class = Article
    default_output_processor = TakeFirst()

    wp_post_id_in = MapCompose(to_post_id)
    headline_in = MapCompose(clean_line, strip_site_name)
    subheadline_in = MapCompose(clean_line)
    published_raw_in = MapCompose(clean_line)
    section_in = MapCompose(clean_line)
    language_in = MapCompose(clean_line, to_language)
    authors_in = Compose(to_names, as_one)
    categories_in = Compose(to_terms, as_one)
    tags_in = Compose(to_terms, as_one)
    body_blocks_in = Compose(to_blocks, as_one)
    images_in = Compose(to_images, as_one)
    comments_in = Compose(to_comments, as_one)
    url_in = Compose(to_site_urls)
    published_in = MapCompose(to_page_date)
    modified_in = MapCompose(to_page_date)
    published_out = Compose(first_precise)
    modified_out = Compose(first_precise)

    def __init__(self, *args: Any, **context: Any) -> None:
        context.setdefault("site", SiteHosts())
        super().__init__(*args, **context)
        self.layers: dict[str, str] = {}

    @property
    def site(self) -> SiteHosts:
        return self.context["site"]

    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        """``<field>_in`` or the default: processors are declared on this loader, never in the
        item's field metadata, so the metadata lookup itemloaders would make for every value of
        every page (through an item adapter) is skipped."""
        return getattr(self, f"{field_name}_in", self.default_input_processor)

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        """``<field>_out`` or the default (see :meth:`get_input_processor`)."""
        return getattr(self, f"{field_name}_out", self.default_output_processor)

    def add_layered(
        self, field: str, layers: Iterable[FieldSource],
        good_enough: Callable[[Any], bool] = lambda value: True,
    ) -> None:
        """Ask ``layers`` in order for ``field``; stop at the first good-enough valid value.

        A valid value that is not good enough (a day without a time) is kept as a fallback while
        later layers are asked for a better one.
        """
        fallback = None
        for layer in layers:
            value = layer.get(field)
            if value is None:  # the layer has nothing: no processor to run
                continue
            before = len(self.get_collected_values(field))
            self.add_value(field, value)
            collected = self.get_collected_values(field)
            if len(collected) == before:
                continue
            if good_enough(collected[-1]):
                self.layers[field] = layer.name
                return
            fallback = fallback or layer.name
        if fallback:
            self.layers[field] = fallback

    def load_item(self) -> Article:
        """The article with its derived fields (id, body, lead photo, counts, provenance)."""
        article: Article = super().load_item()
        published, modified = article.published, article.modified
        article.published = published.isoformat() if isinstance(published, PageDate) else None
        article.modified = modified.isoformat() if isinstance(modified, PageDate) else None
        response = self.context.get("response")
        if not article.url and response is not None:
            article.url = (self.site.article_url(response.url)
                           or self.site.normalize(response.url) or response.url)
            self.layers["url"] = "response"
        article.id = f"wp-{article.wp_post_id}" if article.wp_post_id else url_id(article.url)
        article.body_blocks = without_author_bio(
            without_headline(article.body_blocks, article.headline), article.authors)
        article.body = "\n\n".join(b["text"] for b in article.body_blocks) or None
        lead = next((i for i in article.images if i["featured"]), None)
        article.photo_caption = lead["caption"] if lead else None
        article.photo_credit = lead["credit"] if lead else None
        article.comment_count = len(article.comments)
        article.crawl = self._provenance(article, published, modified)
        return article

    def _provenance(self, article: Article, published: Any, modified: Any) -> dict[str, Any]:
        response = self.context.get("response")
        meta = response.meta if response is not None and response.request is not None else {}
        crawl: dict[str, Any] = {
            "fetched_at": meta.get("fetched_at")
            or datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "http_status": response.status if response is not None else None,
            "request_url": response.url if response is not None else None,
            "spider_version": __version__,
            "template": self.context.get("template"),
            "parser_layers": dict(sorted(self.layers.items())),
            "content_sha256": hashlib.sha256((article.body or "").encode("utf-8")).hexdigest(),
        }
        if meta.get("warc"):
            crawl["warc"] = meta["warc"]
        for header, key in ((b"ETag", "etag"), (b"Last-Modified", "last_modified")):
            value = response.headers.get(header) if response is not None else None
            if value:
                crawl[key] = value.decode("latin-1")
        precision = {name: "day" for name, date in (("published", published),
                                                    ("modified", modified))
                     if isinstance(date, PageDate) and not date.has_time}
        if precision:
            crawl["date_precision"] = precision
        notes = [f"{name}: {date.note}" for name, date in (("published", published),
                                                           ("modified", modified))
                 if isinstance(date, PageDate) and date.note]
        if notes:
            crawl["date_notes"] = notes
        note = self.context.get("comments_note")
        if note:
            crawl["comments_note"] = note
        missing = [name for name in NOTED_FIELDS if getattr(article, name) is None]
        if missing:
            crawl["missing"] = missing
        return crawl
