"""What discovery said about the URL (sitemap ``lastmod``, REST ``modified_gmt``, feed date).

Asked last, for ``modified`` only: many themes print no modified date at all.
"""

from __future__ import annotations

from blade_spider.extract.layers.base import Layer, reader
from blade_spider.extract.page import Page


class DiscoveryLayer(Layer):
    """The request's discovery meta, named after the source that gave the date."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.name = page.request_meta.get("discovered_modified_source", "discovery")

    @reader("modified")
    def modified(self) -> str | None:
        return self.page.request_meta.get("discovered_modified")
