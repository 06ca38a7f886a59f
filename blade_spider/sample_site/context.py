"""What a renderer needs to know about the site besides one post: its address, its switches
and its index, frozen together for the duration of one request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from blade_spider.sample_site.index import SiteIndex
from blade_spider.sample_site.model import NY

#: A host a feed's ``atom:link rel=self`` names instead of the real one: real WordPress sites
#: behind proxies do this, and a crawler must never navigate by it. ``.invalid`` never resolves.
WRONG_FEED_BASE = "http://origin.washingtonblade.invalid:8080"

#: Hosts the real site's pages use in absolute links; a mirror crawl must map or drop them.
LIVE_BASES = ("http://www.washingtonblade.com", "https://washingtonblade.com")


@dataclass(frozen=True)
class Options:
    """The site's switches, each standing for a way real WordPress installs differ."""

    sitemaps: bool = True
    core_sitemaps: bool = True
    feed: bool = True
    rest_api: bool = True
    archives: bool = True
    robots_disallow: tuple[str, ...] = ("/wp-admin/", "/private/")
    crawl_delay: float | None = None
    #: Serve every article in a new, stock-WordPress-like design (a site redesign).
    redesign: bool = False
    #: Serve every article through a generated theme (``"variant:<seed>"``, see ``variants``).
    theme: str | None = None


@dataclass(frozen=True)
class Context:
    """One request's view of the site. ``extra_disallow`` are robots rules the site adds for
    its own test posts; ``robots_override`` replaces the generated robots.txt entirely."""

    base: str
    index: SiteIndex
    options: Options = field(default_factory=Options)
    now: datetime = field(default_factory=lambda: datetime.now(NY))
    extra_disallow: tuple[str, ...] = ()
    robots_override: str | None = None

    def url(self, path: str) -> str:
        """Absolute URL of a root-relative path on this site."""
        return self.base + path
