"""Site profiles: what is specific to one WordPress news site, in one place.

The crawler, the extraction layers for stock WordPress and metadata, the loader and the archive
are generic; a profile says which site they work on: its live address, the host names that mean
the same site, its own layout layers, and what a healthy crawl of it looks like. Another
WordPress news site is a new profile module beside :mod:`.washingtonblade`.

A profile is data only and imports nothing of the crawler, so any module can read it: layers
are named by import path, as Scrapy's settings name components, and loaded by the extraction
package (:func:`blade_spider.extract.template_layers`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteProfile:
    """One site: generic code takes a profile rather than knowing the site."""

    #: The site's name as it prints it (``<title>`` suffixes, ``og:site_name``).
    name: str
    #: The live site's address (``scheme://host``, no trailing slash).
    base_url: str
    #: Other host names of the same site, rewritten onto the base (``example.com`` for ``www.``).
    aliases: tuple[str, ...]
    #: Import paths of the site's own layout layers, most specific first; the first whose markup
    #: matches a page reads it before the generic layers.
    template_layers: tuple[str, ...]
    #: Least share of a crawl's records that must have each field (the field coverage monitor).
    field_coverage: tuple[tuple[str, float], ...]
