"""From one response to one :class:`~blade_spider.record.items.Article`, layer by layer.

The spider calls :func:`extract_article`; tests call it on saved pages. It picks the template layer
that matches the page's markup, asks every field of the layers in priority order through
:class:`~blade_spider.record.loaders.ArticleLoader`, and raises :class:`NotAnArticle` for pages
that must yield no record.
"""

from __future__ import annotations

from functools import cache

from scrapy.http import TextResponse
from scrapy.utils.misc import load_object

from blade_spider.extract.classify import not_article_reason
from blade_spider.extract.comments import third_party_comments
from blade_spider.extract.layers.base import Layer
from blade_spider.extract.layers.discovery import DiscoveryLayer
from blade_spider.extract.layers.fallback import (
    BoundsLayer,
    DiscoveredDateLayer,
    HeaderLayer,
    PermalinkLayer,
)
from blade_spider.extract.layers.generic import GenericLayer
from blade_spider.extract.layers.metadata import MetadataLayer
from blade_spider.extract.layers.rest import RestLayer
from blade_spider.extract.layers.wordpress import WordPressLayer
from blade_spider.extract.page import Page
from blade_spider.record.dates import PageDate
from blade_spider.record.items import LAYERED_FIELDS, Article
from blade_spider.record.loaders import ArticleLoader
from blade_spider.sites import SiteProfile
from blade_spider.urls import SiteHosts


class NotAnArticle(Exception):
    """The page is not an article; ``reason`` says what it is."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"not an article: {reason} ({url})")
        self.url = url
        self.reason = reason


#: The layers every page is asked after its template layer, in priority order: the page's
#: stock markup and metadata, what WordPress stores (REST), then the layers that guess.
COMMON_LAYERS: tuple[type[Layer], ...] = (WordPressLayer, MetadataLayer, RestLayer, HeaderLayer,
                                          GenericLayer, DiscoveryLayer, DiscoveredDateLayer,
                                          PermalinkLayer)


@cache
def template_layers(profile: SiteProfile) -> tuple[type[Layer], ...]:
    """The site's own layout layers, most specific first (loaded once from their paths)."""
    return tuple(load_object(path) for path in profile.template_layers)


def template_layer(page: Page) -> Layer | None:
    """The site layout whose markup the page shows, if any."""
    for layer_class in template_layers(page.site.profile):
        if layer_class.matches(page):
            return layer_class(page)
    return None


def layers_for(page: Page) -> list[Layer]:
    """The page's layers in priority order (docs/EXTRACTION.md): the template layer, or the
    bounded body when no layer knows the content container, then :data:`COMMON_LAYERS`."""
    template = template_layer(page)
    if template is None and BoundsLayer.matches(page):
        template = BoundsLayer(page)
    layers: list[Layer] = [template] if template else []
    return layers + [layer_class(page) for layer_class in COMMON_LAYERS]


#: Fields whose printed form beats what WordPress stores: core stores one author per post, and
#: a byline names every co-author, so the header's byline is asked before the REST API.
BYLINE_FIRST = frozenset({"authors"})


def field_layers(field: str, layers: list[Layer]) -> list[Layer]:
    """``layers`` in the order ``field`` asks them (docs/EXTRACTION.md)."""
    if field not in BYLINE_FIRST:
        return layers
    rest = [layer for layer in layers if isinstance(layer, RestLayer)]
    others = [layer for layer in layers if not isinstance(layer, RestLayer)]
    at = next((i + 1 for i, layer in enumerate(others) if isinstance(layer, HeaderLayer)),
              len(others))
    return others[:at] + rest + others[at:]


def _has_time(value: PageDate) -> bool:
    return value.has_time


def extract_article(response: TextResponse, site: SiteHosts | None = None) -> Article:
    """The article record of ``response``; raises :class:`NotAnArticle` for other pages."""
    return extract_page(Page(response, site))


def extract_page(page: Page) -> Article:
    """:func:`extract_article` for a page already parsed (the spider reads it further: page
    links of a post split over several pages)."""
    response = page.response
    reason = not_article_reason(page)
    if reason:
        raise NotAnArticle(response.url, reason)
    layers = layers_for(page)
    template = layers[0].name if not isinstance(layers[0], WordPressLayer | BoundsLayer) else None
    service = third_party_comments(page)
    comments_note = (f"comments are loaded by a third-party script ({service}) and are not in "
                     "the page" if service else None)
    loader = ArticleLoader(
        response=response, selector=page.sel, site=page.site, base_url=response.url,
        template=template, comments_note=comments_note,
    )
    for field in LAYERED_FIELDS:
        if field in ("published", "modified"):
            loader.add_layered(field, layers, good_enough=_has_time)
        else:
            loader.add_layered(field, field_layers(field, layers))
    return loader.load_item()
