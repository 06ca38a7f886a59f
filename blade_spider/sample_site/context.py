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
    #: A page-caching plugin (WP Super Cache, W3 Total Cache) serves pages and sitemaps as files,
    #: with ``ETag``/``Last-Modified`` and 304s; stock WordPress sends validators on feeds only.
    caching_plugin: bool = False
    #: Serve every article in a new, stock-WordPress-like design (a site redesign).
    redesign: bool = False
    #: WordPress's "Break comments into pages": this many top-level comments (with their
    #: replies) a page, the rest at ``/slug/comment-page-N/``; ``None``: all on the article page.
    comments_per_page: int | None = None
    #: Which comment page the article URL shows (``default_comments_page``): ``"oldest"`` (page
    #: 1) or ``"newest"`` (the last page; page 1 then holds the oldest comments all the same).
    comments_order: str = "oldest"
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
