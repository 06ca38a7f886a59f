"""URL routing: which page, document or endpoint answers a path, as WordPress would.

Fixed paths are a dictionary lookup; patterned paths (articles, archives, numbered sitemaps) are
tried in order. Everything answers a ``Response``; nothing here knows about sockets or faults,
except the ``omit`` set that the ``missing_*`` faults pass to the article renderer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from blade_spider.sample_site import feeds, responses, rest, variants
from blade_spider.sample_site.articles import amp_page, article_page
from blade_spider.sample_site.assets import JPEG, PDF
from blade_spider.sample_site.context import Context
from blade_spider.sample_site.index import Listing, newest_modified, page_of
from blade_spider.sample_site.model import NY, Post
from blade_spider.sample_site.render import (
    ISSUE_PATH,
    ISSUE_PDF,
    PAGES,
    email_protection_page,
    home_page,
    issue_page,
    listing_page,
    not_found_page,
    static_page,
)
from blade_spider.sample_site.responses import Response

#: ``Last-Modified`` of pages that never change (static pages, robots.txt, files).
STATIC_MODIFIED = datetime(2019, 10, 18, 12, 0, tzinfo=NY)


@dataclass(frozen=True)
class Target:
    """A request as routing sees it: normalised path, raw query, parsed parameters."""

    path: str
    query: str = ""
    params: dict[str, str] = field(default_factory=dict)
    omit: Collection[str] = ()


def route(ctx: Context, target: Target) -> Response:
    """The answer to ``target``: a page, a redirect, or WordPress's 404."""
    path = target.path
    if path == "/" and ("p" in target.params or "s" in target.params):
        return _query_page(ctx, target)
    if _needs_slash(path):
        query = f"?{target.query}" if target.query else ""
        return responses.redirect(ctx.url(f"{path}/{query}"))
    fixed = _FIXED.get(path)
    if fixed is not None:
        return fixed(ctx)
    for pattern, handler in _PATTERNS:
        match = pattern.match(path)
        if match:
            return handler(ctx, match, target)
    return not_found(ctx)


def not_found(ctx: Context, status: int = 404) -> Response:
    return responses.html(not_found_page(ctx, gone=status == 410), status=status)


# ---------------------------------------------------------------------------------------------
# Articles


def _article(ctx: Context, match: re.Match, target: Target) -> Response:
    """``/Y/M/D/slug/`` and its ``amp/``, ``feed/`` and ``comment-page-N/`` forms."""
    post = ctx.index.by_path.get(match["post"])
    if post is None:
        return not_found(ctx)
    if post.redirect_to:
        return responses.redirect(ctx.url(post.redirect_to), post.status)
    if not post.live:
        return not_found(ctx, post.status)
    suffix = match["suffix"] or ""
    if suffix == "feed/":
        return _feed_or_404(ctx, lambda: feeds.comments_rss(ctx, post), post.modified)
    if suffix == "amp/":
        return responses.html(amp_page(ctx, post), last_modified=post.modified)
    comment_page = int(match["cpage"]) if match["cpage"] else None
    theme = variants.theme_of(ctx)
    page = (variants.variant_page(ctx, post, theme) if theme
            else article_page(ctx, post, target.omit, comment_page))
    return responses.html(page, last_modified=post.modified)


# ---------------------------------------------------------------------------------------------
# Archives and listings


def _home(ctx: Context, match: re.Match, target: Target) -> Response:
    """``/`` and ``/page/N/`` (also ``/page/N/?s=``: search results pages)."""
    page = int(match["page"] or 1)
    if "s" in target.params:
        return _search(ctx, target.params["s"], page)
    if page > 1 and not ctx.options.archives:
        return not_found(ctx)
    posts = page_of(ctx.index.live, page)
    if posts is None:
        return not_found(ctx)
    return responses.html(home_page(ctx, posts, page), last_modified=ctx.index.last_modified)


def _taxonomy(ctx: Context, match: re.Match, target: Target) -> Response:
    """``/category|tag|author/slug/`` with ``page/N/`` or ``feed/``."""
    kind, slug = match["kind"], match["slug"]
    listing: Listing | None = getattr(ctx.index, _TAXONOMIES[kind]).get(slug)
    if listing is None or (not ctx.options.archives and not match["feed"]):
        return not_found(ctx)
    if match["feed"]:
        newest = listing.posts[-feeds.FEED_SIZE :][::-1]
        title = feeds.channel_title(listing.name)
        path = f"/{kind}/{slug}/feed/"
        return _feed_or_404(ctx, lambda: feeds.rss(ctx, newest, title=title, path=path), None)
    heading = f"Posts by {listing.name}" if kind == "author" else listing.name
    return _listing(ctx, listing.posts, int(match["page"] or 1), heading, f"/{kind}/{slug}/", kind)


def _date_archive(ctx: Context, match: re.Match, target: Target) -> Response:
    """``/YYYY/``, ``/YYYY/MM/`` and ``/YYYY/MM/DD/``, each with ``page/N/``."""
    key = "/".join(part for part in (match["y"], match["m"], match["d"]) if part)
    posts = ctx.index.dates.get(key)
    if posts is None or not ctx.options.archives:
        return not_found(ctx)
    return _listing(ctx, posts, int(match["page"] or 1), _date_heading(match), f"/{key}/", "date")


def _listing(
    ctx: Context, posts: list[Post], page: int, heading: str, base_path: str, kind: str
) -> Response:
    chosen = page_of(posts, page)
    if chosen is None:
        return not_found(ctx)
    body = listing_page(
        ctx,
        heading=heading,
        posts=chosen,
        page=page,
        total=len(posts),
        base_path=base_path,
        body_class=f"archive {kind}",
    )
    return responses.html(body, last_modified=newest_modified(chosen))


def _search(ctx: Context, query: str, page: int) -> Response:
    needle = query.casefold()
    index = ctx.index
    found = [post for post, title in zip(index.live, index.titles, strict=True) if needle in title]
    chosen = page_of(found, page)
    if chosen is None:
        return not_found(ctx)
    body = listing_page(
        ctx,
        heading=f"Search Results for: {query}",
        posts=chosen,
        page=page,
        total=len(found),
        base_path="/",
        body_class="search search-results",
        query="?" + urlencode({"s": query}),
    )
    return responses.html(body, last_modified=newest_modified(chosen))


def _query_page(ctx: Context, target: Target) -> Response:
    """``/?p=N`` (shortlink: redirect to the permalink) and ``/?s=query`` (search)."""
    if "s" in target.params:
        return _search(ctx, target.params["s"], 1)
    post = ctx.index.by_id.get(int(target.params["p"])) if target.params["p"].isdigit() else None
    if post is None or not post.live:
        return not_found(ctx)
    return responses.redirect(ctx.url(post.path))


def _date_heading(match: re.Match) -> str:
    year, month, day = match["y"], match["m"], match["d"]
    if not month:
        return f"Year: {year}"
    moment = datetime(int(year), int(month), int(day or 1))
    return f"Day: {moment:%B} {moment.day}, {year}" if day else f"Month: {moment:%B} {year}"


# ---------------------------------------------------------------------------------------------
# Sitemaps and feeds


def _robots(ctx: Context) -> Response:
    return responses.text(feeds.robots_txt(ctx), last_modified=STATIC_MODIFIED)


def _yoast_index(ctx: Context) -> Response:
    if not ctx.options.sitemaps:
        return not_found(ctx)
    return responses.xml(feeds.yoast_index(ctx), last_modified=ctx.index.last_modified)


def _yoast_posts(ctx: Context, match: re.Match, target: Target) -> Response:
    number = int(match["n"] or 1)
    valid = match["n"] != "1" and 1 <= number <= feeds.yoast_file_count(ctx)
    if not ctx.options.sitemaps or not valid:
        return not_found(ctx)
    chunk = feeds.yoast_chunk(ctx, number)
    return responses.xml(feeds.yoast_posts(ctx, chunk), last_modified=newest_modified(chunk))


def _yoast_pages(ctx: Context) -> Response:
    if not ctx.options.sitemaps:
        return not_found(ctx)
    return responses.xml(feeds.yoast_pages(ctx), last_modified=STATIC_MODIFIED)


def _core(render: Callable[[Context], str]) -> Callable[[Context], Response]:
    """A fixed core-sitemap path, answered only while core sitemaps are on."""

    def answer(ctx: Context) -> Response:
        if not ctx.options.core_sitemaps:
            return not_found(ctx)
        return responses.xml(render(ctx), last_modified=ctx.index.last_modified)

    return answer


def _core_posts(ctx: Context, match: re.Match, target: Target) -> Response:
    number = int(match["n"])
    if not ctx.options.core_sitemaps or not 1 <= number <= feeds.core_file_count(ctx):
        return not_found(ctx)
    return responses.xml(feeds.core_posts(ctx, number), last_modified=ctx.index.last_modified)


def _main_feed(ctx: Context) -> Response:
    newest = ctx.index.live[-feeds.FEED_SIZE :][::-1]
    return _feed_or_404(
        ctx, lambda: feeds.rss(ctx, newest, title=feeds.channel_title(None), path="/feed/"), None
    )


def _feed_or_404(
    ctx: Context, render: Callable[[], str], last_modified: datetime | None
) -> Response:
    if not ctx.options.feed:
        return not_found(ctx)
    return responses.xml(
        render(), last_modified=last_modified or ctx.index.last_modified,
        content_type=responses.RSS, validators=responses.STOCK,
    )


# ---------------------------------------------------------------------------------------------
# REST API


def _rest(answer: Callable[[Context, Target], rest.Answer]) -> Callable[..., Response]:
    """Wrap a REST endpoint: JSON out, WordPress error bodies, the API's on/off switch."""

    def respond(ctx: Context, target: Target) -> Response:
        if not ctx.options.rest_api:
            error = rest.RestError(
                401, "rest_cannot_access", "Only authenticated users can access the REST API."
            )
            return responses.as_json(error.body(), error.status)
        try:
            data, headers = answer(ctx, target)
        except rest.RestError as error:
            return responses.as_json(error.body(), error.status)
        return responses.as_json(data, headers=headers)

    return respond


_rest_root = _rest(lambda ctx, target: rest.root(ctx))
_rest_posts = _rest(lambda ctx, target: rest.posts(ctx, target.params))
_rest_single = _rest(lambda ctx, target: rest.single(ctx, int(target.path.rsplit("/", 1)[1])))


# ---------------------------------------------------------------------------------------------
# Tables


def _needs_slash(path: str) -> bool:
    """WordPress redirects slash-less permalinks; files and API routes keep their form."""
    last = path.rsplit("/", 1)[-1]
    return bool(last) and "." not in last and not path.startswith(("/wp-json", "/cdn-cgi"))


def _file(body: bytes, content_type: str) -> Callable[[Context], Response]:
    return lambda ctx: Response(200, body, content_type, last_modified=STATIC_MODIFIED,
                                validators=responses.STOCK)


def _page(path: str) -> Callable[[Context], Response]:
    return lambda ctx: responses.html(static_page(ctx, path), last_modified=STATIC_MODIFIED)


_FIXED: dict[str, Callable[[Context], Response]] = {
    "/robots.txt": _robots,
    "/sitemap_index.xml": _yoast_index,
    "/page-sitemap.xml": _yoast_pages,
    "/wp-sitemap.xml": _core(feeds.core_index),
    "/wp-sitemap-posts-page-1.xml": _core(feeds.core_pages),
    "/wp-sitemap-taxonomies-category-1.xml": _core(feeds.core_categories),
    "/feed/": _main_feed,
    ISSUE_PATH: lambda ctx: responses.html(issue_page(ctx), last_modified=STATIC_MODIFIED),
    ISSUE_PDF: _file(PDF, "application/pdf"),
    "/cdn-cgi/l/email-protection": lambda ctx: responses.html(
        email_protection_page(), last_modified=STATIC_MODIFIED
    ),
    "/wp-admin/": lambda ctx: responses.html("<h1>Forbidden</h1>", status=403),
    **{path: _page(path) for path in PAGES},
}
_JPEG = _file(JPEG, "image/jpeg")
_rest_comments = _rest(lambda ctx, target: rest.comments(ctx, target.params))
_FIXED_REST = {"/wp-json/": _rest_root, "/wp-json/wp/v2/posts": _rest_posts,
               "/wp-json/wp/v2/comments": _rest_comments}

_TAXONOMIES = {"category": "categories", "tag": "tags", "author": "authors"}

_PATTERNS: list[tuple[re.Pattern[str], Callable[[Context, re.Match, Target], Response]]] = [
    (re.compile(r"^/(?:page/(?P<page>\d+)/)?$"), _home),
    (
        re.compile(r"^/(?P<y>\d{4})/(?:(?P<m>\d{2})/(?:(?P<d>\d{2})/)?)?(?:page/(?P<page>\d+)/)?$"),
        _date_archive,
    ),
    (
        re.compile(
            r"^(?P<post>/\d{4}/\d{2}/\d{2}/[^/]+/)"
            r"(?P<suffix>amp/|feed/|comment-page-(?P<cpage>\d+)/)?$"
        ),
        _article,
    ),
    (
        re.compile(
            r"^/(?P<kind>category|tag|author)/(?P<slug>[^/]+)/"
            r"(?:(?P<feed>feed/)|page/(?P<page>\d+)/)?$"
        ),
        _taxonomy,
    ),
    (re.compile(r"^/post-sitemap(?P<n>\d*)\.xml$"), _yoast_posts),
    (re.compile(r"^/wp-sitemap-posts-post-(?P<n>\d+)\.xml$"), _core_posts),
    (re.compile(r"^/content/files/\d{4}/\d{2}/[^/]+\.jpe?g$"), lambda c, m, t: _JPEG(c)),
    (re.compile(r"^/wp-json/wp/v2/posts/\d+$"), lambda c, m, t: _rest_single(c, t)),
    (re.compile(r"^/wp-json/(?:wp/v2/(?:posts|comments))?$"),
     lambda c, m, t: _FIXED_REST[t.path](c, t)),
]
