"""The site profile is the one place that names the Washington Blade; generic code takes it."""

from __future__ import annotations

import dataclasses

from scrapy.http import HtmlResponse

from blade_spider.extract import extract_article, template_layers
from blade_spider.extract.layers.base import Layer
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE
from blade_spider.urls import SiteHosts

ZOX_PAGE = b"""<html><head><title>Rally held - Los Angeles Blade: LGBTQ News</title>
<meta property="og:title" content="Rally held - Los Angeles Blade: LGBTQ News"></head>
<body class="single single-post postid-9">
<h1 class="mvp-post-title">Zox headline</h1>
<div id="mvp-content-main"><p>The story.</p></div></body></html>"""
URL = "https://www.losangelesblade.com/2024/05/01/rally-held/"


def test_the_profile_layout_layers_load_as_layers() -> None:
    layers = template_layers(WASHINGTON_BLADE)
    assert [layer.__name__ for layer in layers] == ["BladeZoxLayer", "BladeDatelineLayer"]
    assert all(issubclass(layer, Layer) for layer in layers)


def test_the_live_site_comes_from_the_profile() -> None:
    assert SiteHosts() == SiteHosts(WASHINGTON_BLADE.base_url, WASHINGTON_BLADE.aliases)
    assert SiteHosts().profile is WASHINGTON_BLADE


def test_another_site_is_a_new_profile() -> None:
    """A site without the Blade's layouts: its pages are read by the generic layers, and its
    own name is what is cut from titles."""
    other = dataclasses.replace(WASHINGTON_BLADE, name="Los Angeles Blade",
                                base_url="https://www.losangelesblade.com",
                                aliases=("losangelesblade.com",), template_layers=())
    response = HtmlResponse(URL, body=ZOX_PAGE, encoding="utf-8")
    site = SiteHosts(other.base_url, other.aliases, other)
    article = extract_article(response, site)
    assert article.crawl["template"] is None
    assert article.crawl["parser_layers"]["headline"] == "metadata"
    assert article.headline == "Rally held"
    blade = extract_article(response, SiteHosts(other.base_url, other.aliases))
    assert blade.crawl["template"] == "blade_zox"

