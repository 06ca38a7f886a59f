"""The WordPress REST API subset a crawler uses: ``/wp-json/wp/v2/posts`` and single posts.

Supports the parameters an incremental crawl needs (``modified_after``, ``after``, ``before``,
``orderby``, ``order``, ``per_page`` up to 100, ``page``, ``_fields``) and the REST layer's
batches (``include``, ``_embed``), and ``/wp-json/wp/v2/comments?post=…``, with WordPress's
semantics: date bounds are exclusive, dates without an offset are site-local (US Eastern), and
paging past the end is a 400 error, not an empty list.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from urllib.parse import urlencode

from blade_spider.sample_site.articles import caption_div, zox_figure
from blade_spider.sample_site.context import Context
from blade_spider.sample_site.index import page_count
from blade_spider.sample_site.model import NY, Post, by_modified, by_published
from blade_spider.sample_site.render import (
    SITE_NAME,
    TAGLINE,
    blocks_html,
    display_title,
    e,
    excerpt,
    rich,
)
from blade_spider.sample_site.rest_embed import embedded, term_id

MAX_PER_PAGE = 100

#: Date-bound parameters: which date they bound, and whether it must be after (+1) or before.
#: Dates are compared as POSIX timestamps: right across the DST fold (see ``Post``).
_BOUNDS: dict[str, tuple[Callable[[Post], float], int]] = {
    "after": (lambda post: post.published.timestamp(), 1),
    "before": (lambda post: post.published.timestamp(), -1),
    "modified_after": (lambda post: post.modified.timestamp(), 1),
    "modified_before": (lambda post: post.modified.timestamp(), -1),
}
_SORT_KEYS: dict[str, Callable[[Post], object]] = {
    "date": by_published,
    "modified": by_modified,
    "id": lambda post: post.id,
}


class RestError(Exception):
    """A WordPress REST error: HTTP status plus the ``code``/``message`` JSON body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "data": {"status": self.status}}


Answer = tuple[object, dict[str, str]]


def root(ctx: Context) -> Answer:
    """``/wp-json/``: the API index, enough for discovery."""
    routes = {"/wp/v2/posts": {"methods": ["GET"]}, "/wp/v2/posts/(?P<id>[\\d]+)": {},
              "/wp/v2/comments": {"methods": ["GET"]}}
    return (
        {
            "name": SITE_NAME,
            "description": TAGLINE,
            "url": ctx.base,
            "home": ctx.base,
            "namespaces": ["wp/v2"],
            "routes": routes,
        },
        {},
    )


def posts(ctx: Context, params: Mapping[str, str]) -> Answer:
    """``/wp-json/wp/v2/posts``: one page of matching posts, with the total in headers."""
    per_page = _int(params, "per_page", 10, 1, MAX_PER_PAGE)
    page = _int(params, "page", 1, 1, None)
    order = params.get("order", "desc")
    orderby = params.get("orderby", "date")
    if order not in ("asc", "desc") or orderby not in _SORT_KEYS:
        raise RestError(400, "rest_invalid_param", "Invalid parameter(s): order, orderby")
    found = _matching(ctx, params, orderby)
    if "include" in params:
        wanted = {int(i) for i in params["include"].split(",") if i.strip().isdigit()}
        found = [post for post in found if post.id in wanted]
    total, pages = len(found), page_count(len(found), per_page)
    if page > pages and total:
        raise RestError(
            400,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        )
    if order == "desc":
        found = found[::-1]
    chosen = found[(page - 1) * per_page : page * per_page]
    fields = [f for f in params.get("_fields", "").split(",") if f]
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = _page_links(ctx, params, page, pages)
    if links:
        headers["Link"] = links
    embed = _embed(params)
    return [post_json(ctx, post, fields, embed) for post in chosen], headers


def single(ctx: Context, post_id: int) -> Answer:
    """``/wp-json/wp/v2/posts/N``."""
    post = ctx.index.by_id.get(post_id)
    if post is None or not post.live:
        raise RestError(404, "rest_post_invalid_id", "Invalid post ID.")
    return post_json(ctx, post, []), {}


def post_json(ctx: Context, post: Post, fields: list[str],
              embed: list[str] | None = None) -> dict:
    """A post object; only the requested ``_fields`` are computed (rendering content is the
    expensive part, and incremental crawls ask for ``id,link,modified_gmt`` only); ``embed``
    (``_embed``: every link when empty) adds ``_embedded``."""
    makers = _field_makers(ctx, post)
    wanted = [name for name in fields if name in makers] if fields else list(makers)
    found = {name: makers[name]() for name in wanted}
    if embed is not None and (not fields or "_embedded" in fields):
        found["_embedded"] = embedded(ctx, post, embed)
    return found


def _field_makers(ctx: Context, post: Post) -> dict[str, Callable[[], object]]:
    figure = zox_figure if post.layout == "zox" else caption_div
    return {
        "id": lambda: post.id,
        "date": lambda: _local(post.published),
        "date_gmt": lambda: _gmt(post.published),
        "guid": lambda: {"rendered": ctx.url(f"/?p={post.id}")},
        "modified": lambda: _local(post.modified),
        "modified_gmt": lambda: _gmt(post.modified),
        "slug": lambda: post.path.rstrip("/").rsplit("/", 1)[1].lower(),
        "status": lambda: "publish",
        "type": lambda: "post",
        "link": lambda: ctx.url(post.path),
        "title": lambda: {"rendered": e(display_title(post))},
        "content": lambda: {
            "rendered": "" if post.protected else blocks_html(ctx, post, figure),
            "protected": post.protected,
        },
        "excerpt": lambda: {
            "rendered": f"<p>{e(excerpt(post))}</p>\n",
            "protected": post.protected,
        },
        "author": lambda: term_id(post.authors[0]),
        "categories": lambda: [term_id(name) for name in post.categories],
        "tags": lambda: [term_id(name) for name in post.tags],
    }


def comments(ctx: Context, params: Mapping[str, str]) -> Answer:
    """``/wp-json/wp/v2/comments?post=1,2``: the public posts' comments, oldest first with
    ``order=asc`` (``orderby`` ``date_gmt``, ``date`` or ``id``), ``parent`` 0 at top level."""
    per_page = _int(params, "per_page", 10, 1, MAX_PER_PAGE)
    page = _int(params, "page", 1, 1, None)
    order, orderby = params.get("order", "desc"), params.get("orderby", "date_gmt")
    if order not in ("asc", "desc") or orderby not in ("date_gmt", "date", "id"):
        raise RestError(400, "rest_invalid_param", "Invalid parameter(s): order, orderby")
    wanted = {int(i) for i in params.get("post", "").split(",") if i.strip().isdigit()}
    posts = [ctx.index.by_id[i] for i in sorted(wanted) if i in ctx.index.by_id]
    found = [(post, c) for post in posts if post.live and not post.protected
             for c in post.comments]
    found.sort(key=(lambda pc: pc[1]["id"]) if orderby == "id"
               else (lambda pc: (pc[1]["published"].timestamp(), pc[1]["id"])),
               reverse=order == "desc")
    total, pages = len(found), page_count(len(found), per_page)
    if page > pages and total:
        raise RestError(400, "rest_comment_invalid_page_number",
                        "The page number requested is larger than the number of pages available.")
    fields = [f for f in params.get("_fields", "").split(",") if f]
    chosen = [_comment_json(ctx, post, c) for post, c in found[(page - 1) * per_page:
                                                              page * per_page]]
    if fields:
        chosen = [{k: v for k, v in c.items() if k in fields} for c in chosen]
    return chosen, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}


def _comment_json(ctx: Context, post: Post, comment: dict) -> dict:
    return {
        "id": comment["id"], "post": post.id, "parent": comment["parent_id"] or 0,
        "author_name": comment["author"], "date": _local(comment["published"]),
        "date_gmt": _gmt(comment["published"]),
        "content": {"rendered": "".join(f"<p>{rich(p)}</p>\n"
                                        for p in comment["text"].split("\n\n"))},
        "link": ctx.url(f"{post.path}#comment-{comment['id']}"),
    }


def _matching(ctx: Context, params: Mapping[str, str], orderby: str) -> list[Post]:
    """Posts within the date bounds, ascending by ``orderby``.

    The bounds of one date are found by bisection in the list sorted by that date (modification
    dates when any ``modified_*`` bound is given, as incremental crawls do), the others by a
    filter over what remains; only a result in another order is sorted.
    """
    index = ctx.index
    bounds = {name: _when(params, name) for name in _BOUNDS if name in params}
    by_modified = orderby == "modified" or any(name.startswith("modified") for name in bounds)
    posts, prefix = (index.by_modified, "modified_") if by_modified else (index.live, "")
    if orderby == "id" and not bounds:
        return index.by_number
    read = _BOUNDS[f"{prefix}after"][0]
    lo, hi = 0, len(posts)
    if f"{prefix}after" in bounds:
        lo = bisect_right(posts, bounds.pop(f"{prefix}after"), key=read)
    if f"{prefix}before" in bounds:
        hi = bisect_left(posts, bounds.pop(f"{prefix}before"), key=read)
    found = posts[lo:hi]
    for name, limit in bounds.items():
        date_of, sign = _BOUNDS[name]
        found = [p for p in found if (date_of(p) > limit if sign > 0 else date_of(p) < limit)]
    if orderby != ("modified" if by_modified else "date"):
        found.sort(key=_SORT_KEYS[orderby])
    return found


def _embed(params: Mapping[str, str]) -> list[str] | None:
    """``_embed`` (``_embed=author,wp:term`` names the links; bare ``_embed``: all of them)."""
    if "_embed" not in params:
        return None
    return [name for name in params["_embed"].split(",") if name]


def _when(params: Mapping[str, str], name: str) -> float:
    """An ISO 8601 parameter as a timestamp; without an offset it is site-local time, as in
    WordPress."""
    try:
        moment = datetime.fromisoformat(params[name])
    except ValueError:
        raise RestError(
            400, "rest_invalid_param", f"Invalid parameter(s): {name} (not a valid date)"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=NY)).timestamp()


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    try:
        value = int(params.get(name, default))
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        limit = f"between {low} (inclusive) and {high} (inclusive)" if high else f">= {low}"
        raise RestError(400, "rest_invalid_param", f"Invalid parameter(s): {name} must be {limit}")
    return value


def _page_links(ctx: Context, params: Mapping[str, str], page: int, pages: int) -> str:
    """The ``Link`` header with ``prev``/``next`` page URLs."""
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1)):
        if 1 <= number <= pages:
            query = urlencode({**params, "page": number})
            links.append(f'<{ctx.url("/wp-json/wp/v2/posts")}?{query}>; rel="{rel}"')
    return ", ".join(links)


def _local(moment: datetime) -> str:
    return moment.astimezone(NY).strftime("%Y-%m-%dT%H:%M:%S")


def _gmt(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
