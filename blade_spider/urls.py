"""Which URLs are the site's, which are articles, and the one canonical form of each.

The same article is reachable through many URLs (``http``/``https``, ``www.`` or not, with or
without a trailing slash, ``utm_*`` and ``?replytocom=`` query strings, ``/amp/``,
``/comment-page-N/``, ``/N/`` page links, ``#comments``). Everything that schedules, deduplicates or
identifies an article goes through :func:`SiteHosts.article_url`, so the dupefilter, the state
store and the record ``url`` agree on one spelling.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

from blade_spider.sites import SiteProfile
from blade_spider.sites.washingtonblade import WASHINGTON_BLADE

#: ``/YYYY/MM/DD/slug/`` (WordPress's "day and name" permalinks) plus the suffixes WordPress serves
#: the same post under.
ARTICLE_PATH = re.compile(
    r"^/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<slug>[^/]+)/"
    r"(?:(?:amp|\d{1,3}|comment-page-\d+)/)?$"
)
_TRACKING_PARAM = re.compile(
    r"^(?:utm_\w+|replytocom|fbclid|gclid|mc_cid|mc_eid|share|amp|_ga|ref_src|noamp)$",
    re.IGNORECASE,
)


#: A URL with nothing for w3lib to canonicalise: no query or fragment, no dot segment, and a
#: path of unreserved characters only (every WordPress permalink with an ASCII slug).
_PLAIN_URL = re.compile(
    r"^https?://(?P<netloc>(?P<host>[A-Za-z0-9.-]+)(?::\d+)?)"
    r"(?P<path>(?!.*/\.)/[A-Za-z0-9._~/-]*)?$"
)


def absolute_url(base: str, url: str) -> str:
    """``urljoin(base, url)``, skipped for a URL that is absolute and plain already (what
    WordPress prints for every upload): ``urljoin`` would give it back unchanged, after parsing
    both URLs, on every photo of every page."""
    return url if _PLAIN_URL.match(url) else urljoin(base, url)


def bare_host(hostname: str | None) -> str:
    """A host name without ``www.``, lowercased: the same site either way."""
    host = (hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class SiteHosts:
    """The site being crawled: where it is (its base URL and the host names that mean the same
    site) and what it is (its :class:`~blade_spider.sites.SiteProfile`; the live Washington Blade
    by default).

    A mirror or staging copy (``http://127.0.0.1:8088``) often prints absolute links to the live
    host; ``aliases`` are rewritten onto the base so such a copy can be crawled completely.
    """

    base_url: str = WASHINGTON_BLADE.base_url
    aliases: tuple[str, ...] = WASHINGTON_BLADE.aliases
    profile: SiteProfile = WASHINGTON_BLADE

    @cached_property
    def scheme(self) -> str:
        return urlsplit(self.base_url).scheme or "https"

    @cached_property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    @cached_property
    def hostname(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @cached_property
    def _bare_hosts(self) -> tuple[str, frozenset[str]]:
        """The base's bare host (with port) and the aliases' bare host names, worked out once:
        every discovered link is checked against them."""
        return bare_host(self.netloc), frozenset(bare_host(a) for a in self.aliases)

    @cached_property
    def _origin(self) -> str:
        """``scheme://host`` of the base as canonicalised URLs spell it."""
        return canonicalize_url(f"{self.scheme}://{self.netloc}/").removesuffix("/")

    def owns(self, url: str) -> bool:
        """True for URLs on the base host (``www.`` or not, any scheme) or on an alias host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return self._owns_host(parts.netloc, parts.hostname)

    def _owns_host(self, netloc: str, hostname: str | None) -> bool:
        base, aliases = self._bare_hosts
        return bare_host(netloc) == base or bare_host(hostname) in aliases

    def normalize(self, url: str) -> str | None:
        """The site's spelling of a URL of this site (``None`` when offsite).

        Scheme and host become the base's, the fragment and tracking parameters go, escapes are
        canonicalised (w3lib) so ``%e2%80%99`` and ``’`` are one URL.
        """
        found = self._normalized(url)
        return found[0] if found else None

    def _normalized(self, url: str) -> tuple[str, str | None] | None:
        """:meth:`normalize`'s URL and, when the plain-URL match gave it for free, its path
        (``None`` when offsite)."""
        url = url.strip()
        plain = _PLAIN_URL.match(url)
        if plain:  # what canonicalising gives for such a URL, without the work (tested to agree)
            if not self._owns_host(plain["netloc"], plain["host"]):
                return None
            path = plain["path"] or "/"
            return self._origin + path, path
        url = safe_url_string(url)
        if not self.owns(url):
            return None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if not _TRACKING_PARAM.match(k)]
        rebuilt = urlunsplit((self.scheme, self.netloc, parts.path or "/", urlencode(query), ""))
        return canonicalize_url(rebuilt, keep_fragments=False), None

    def article_url(self, url: str) -> str | None:
        """The canonical URL of the article ``url`` points at, or ``None`` if it is no article."""
        found = self._normalized(url)
        if found is None:
            return None
        normalized, path = found
        if path is None:
            path = urlsplit(normalized).path
        if not path.endswith("/"):
            path += "/"
        match = ARTICLE_PATH.match(path)
        if not match:
            return None
        d = match.groupdict()
        return f"{self.scheme}://{self.netloc}/{d['y']}/{d['m']}/{d['d']}/{d['slug']}/"


def is_article_path(path: str) -> bool:
    """True for an article permalink path (``/YYYY/MM/DD/slug/`` or one of its variants)."""
    return bool(ARTICLE_PATH.match(path if path.endswith("/") else path + "/"))


def url_id(url: str) -> str:
    """A stable id from a URL's path alone, so the live site and a mirror give the same id."""
    path = urlsplit(canonicalize_url(safe_url_string(url))).path or "/"
    if not path.endswith("/"):
        path += "/"
    return "url-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:16]


def compact_key(text: str) -> int:
    """A 64-bit key standing for a URL or an article id in the per-run sets of everything
    scheduled or archived: an int is a third of the memory of a URL string, which keeps a
    whole-site crawl's memory flat. Two of a million keys collide with odds of about 1 in 30
    million."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def original_url(request: Any) -> str:
    """The URL a request was first made for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]
