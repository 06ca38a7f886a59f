"""Lookup tables over the site's posts, rebuilt after each change.

Pages are rendered on request, so everything a page needs to find (a post by path, a category's
posts, a day's posts, the newest posts, posts by modification time) must be a dictionary lookup
or a bisection. An index is immutable once built: a request thread that holds one sees a
consistent site even while another thread changes the posts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from blade_spider.sample_site.model import Post, by_modified, by_published, instant, slugify

PER_PAGE = 10


@dataclass(frozen=True)
class Listing:
    """An archive: its display name and its posts, oldest first (pages are cut newest first)."""

    name: str
    posts: list[Post]


class SiteIndex:
    """Every view of the posts that some page or endpoint reads."""

    def __init__(self, posts: Iterable[Post]) -> None:
        everything = sorted(posts, key=by_published)
        self.by_path = {post.path: post for post in everything}
        self.by_id = {post.id: post for post in everything}
        self.live = [post for post in everything if post.live]
        self.by_modified = sorted(self.live, key=by_modified)
        self.by_number = sorted(self.live, key=lambda post: post.id)
        self.position = {post.id: i for i, post in enumerate(self.live)}
        self.categories: dict[str, Listing] = {}
        self.tags: dict[str, Listing] = {}
        self.authors: dict[str, Listing] = {}
        self.dates: dict[str, list[Post]] = {}
        for post in self.live:
            self._file(post)
        self.last_modified = newest_modified(self.live)

    def _file(self, post: Post) -> None:
        """Add a post to each archive it appears in; appends keep them oldest first."""
        for name in post.categories:
            self.categories.setdefault(slugify(name), Listing(name, [])).posts.append(post)
        for name in post.tags:
            self.tags.setdefault(slugify(name), Listing(name, [])).posts.append(post)
        for name in post.authors:
            self.authors.setdefault(slugify(name), Listing(name, [])).posts.append(post)
        path = post.path  # "/YYYY/MM/DD/slug/": the archive keys are its prefixes
        for key in (path[1:5], path[1:8], path[1:11]):
            self.dates.setdefault(key, []).append(post)

    def older_in_section(self, post: Post, count: int) -> list[Post]:
        """The ``count`` posts of the same section published just before ``post``.

        "More in SECTION" uses older posts only, so publishing a new post leaves every existing
        article page (and its ETag) unchanged.
        """
        listing = self.categories.get(slugify(post.section))
        posts = listing.posts if listing else self.live
        end = bisect_left(posts, by_published(post), key=by_published)
        return posts[max(0, end - count) : end][::-1]

    def older(self, post: Post, offsets: Sequence[int]) -> list[Post]:
        """Posts ``offsets`` places before ``post`` in date order (for stable sidebars)."""
        here = self.position.get(post.id, len(self.live))
        return [self.live[here - k] for k in offsets if here - k >= 0]

    @cached_property
    def titles(self) -> list[str]:
        """Case-folded titles of ``live`` for search, built on the first search only."""
        return [post.title.casefold() for post in self.live]


def page_of(posts: list[Post], page: int, per_page: int = PER_PAGE) -> list[Post] | None:
    """Page ``page`` (1-based) of an oldest-first list read newest first; None past the end
    (page 1 of an empty list is an empty page, as WordPress shows one)."""
    end = len(posts) - (page - 1) * per_page
    if page < 1 or (end <= 0 and page > 1):
        return None
    return posts[max(0, end - per_page) : max(0, end)][::-1]


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """Number of pages needed for ``total`` items (at least one)."""
    return max(1, -(-total // per_page))


def newest_modified(posts: Iterable[Post]) -> datetime | None:
    """The latest modification among ``posts`` (by instant), for ``Last-Modified``."""
    return max((post.modified for post in posts), key=instant, default=None)
