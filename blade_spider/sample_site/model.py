"""The sample site's content: the ``Post`` record and a fast, deterministic generator.

A ``Post`` is the ground truth a crawl is checked against: every field is something the rendered
page shows (or hides in markup), in the form ``docs/EXTRACTION.md`` says the extractor reports it.
So block texts are already whitespace-normalised, captions include their credit, and comments are
stored in display (threaded) order.
"""

from __future__ import annotations

import gc
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import ClassVar, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from blade_spider.sample_site import words

NY = ZoneInfo("America/New_York")
T = TypeVar("T")
_APOSTROPHE = "\u2019"

#: Layout switch: the 2014-2019 "date line" design before this date, the Zox News theme after.
ZOX_SINCE = datetime(2020, 1, 1, tzinfo=NY)


@dataclass(frozen=True, slots=True)
class Post:
    """One WordPress post. Frozen so the server can hand it to request threads without locks;
    change a live post with ``SampleSite.update_post`` (which replaces it).

    ``blocks`` are ``(type, text)`` with type ``paragraph``, ``heading``, ``quote`` or
    ``list_item``; ``images`` are dicts (``url`` path, ``alt``, ``caption`` with its credit,
    ``credit``, ``featured``); ``comments`` are dicts (``id``, ``parent_id``, ``author``,
    ``published``, ``text``) in display order.

    Dates are aware datetimes in America/New_York. Beware: Python compares two datetimes of the
    same zone by wall clock, ignoring ``fold``, so 1:12 EST sorts before 1:54 EDT on the night
    the clocks go back. Order by ``instant()`` (or compare in UTC) when it matters.
    """

    id: int
    slug: str
    published: datetime
    title: str
    modified: datetime | None = None
    dek: str | None = None
    authors: list[str] = field(default_factory=lambda: ["Staff Reports"])
    section: str = "News"
    categories: list[str] = field(default_factory=lambda: ["News"])
    tags: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    layout: str = "zox"
    status: int = 200
    protected: bool = False
    #: Path a removed post redirects to (with ``status`` 301/302), as a redirect plugin does.
    redirect_to: str | None = None
    _path: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.published.tzinfo is None:
            raise ValueError("Post.published must be timezone-aware")
        if self.modified is None:
            object.__setattr__(self, "modified", self.published)
        day = self.published
        path = f"/{day.year:04d}/{day.month:02d}/{day.day:02d}/{quote(self.slug)}/"
        object.__setattr__(self, "_path", path)

    def __hash__(self) -> int:
        """Hash by id (the list fields are unhashable), so posts can go in sets and dict keys."""
        return hash(self.id)

    @property
    def path(self) -> str:
        """The permalink path, percent-encoded as WordPress prints it: ``/YYYY/MM/DD/slug/``.

        Computed once: sitemaps and listings ask for thousands of paths per request."""
        return self._path

    @property
    def body(self) -> str:
        """The body text as the extractor reports it: block texts joined by a blank line."""
        return "\n\n".join(text for _, text in self.blocks)

    @property
    def live(self) -> bool:
        """Whether the post is public (listed in sitemaps, feeds and archives)."""
        return self.status == 200


@cache
def slugify(text: str) -> str:
    """WordPress-style slug: accents folded, lowercase, runs of other characters to one dash.

    A typographic apostrophe is dropped like WordPress does; ``keep_unicode`` posts bypass this
    (see ``_PostFactory.slug``) to reproduce the site's old raw-Unicode permalinks.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower().replace("'", "")).strip("-")


def generate_posts(
    n: int,
    seed: int = 0,
    start: date = date(2012, 1, 1),
    end: date = date(2025, 6, 30),
) -> list[Post]:
    """``n`` posts spread evenly over ``[start, end]``, oldest first, the same for the same seed.

    One in ten posts is moved to a daylight-saving switch day (3 a.m. EDT in March; 1 a.m. in
    November, alternately before and after the clocks go back) because those are the instants
    where date handling goes wrong.
    """
    factory = _PostFactory(random.Random(seed))
    days = (end - start).days + 1
    post_id = 1000
    posts = []
    with _gc_paused():
        for i in range(n):
            day = start + timedelta(days=(i * days) // max(n, 1))
            post_id += factory.randint(1, 9)
            published = factory.dst_instant(day, i) if i % 10 == 7 else factory.daytime(day)
            posts.append(factory.post(post_id, published, unicode_slug=i % 53 == 11))
    return posts


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: building 50,000 posts allocates millions of containers, none of them
    cyclic, and the collector's repeated passes over them cost about a third of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_post(post_id: int, published: datetime, seed: int = 0, **changes: object) -> Post:
    """One generated post with a given id and date, for tests that add posts to a running site."""
    post = _PostFactory(random.Random(f"{seed}:{post_id}")).post(post_id, published)
    return replace(post, **changes) if changes else post


def shift(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta`` as elapsed time (computed in UTC), in US Eastern: never a nonexistent
    local time, and correct across a DST switch, unlike wall-clock ``moment + delta``."""
    return (moment.astimezone(timezone.utc) + delta).astimezone(NY)


def instant(moment: datetime) -> float:
    """A sort key for aware datetimes that respects ``fold`` (see ``Post``)."""
    return moment.timestamp()


def by_published(post: Post) -> tuple[float, int]:
    """Sort key: publication instant, then id."""
    return (post.published.timestamp(), post.id)


def by_modified(post: Post) -> tuple[float, int]:
    """Sort key: modification instant, then id."""
    return (post.modified.timestamp(), post.id)


class _PostFactory:
    """Builds posts from one random stream; sentences are pre-filled once so that generating
    50,000 posts costs a few random choices and joins per paragraph."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.words = _Words(self.pick)
        sentences = [self.fill(t) for t in words.SENTENCE_TEMPLATES * 40]
        self.sentences = sentences
        self.paragraphs = [
            " ".join([self.pick(sentences) for _ in range(self.randint(1, 4))]) for _ in range(3000)
        ]
        self.taken: set[str] = set()

    def pick(self, seq: Sequence[T]) -> T:
        """``random.choice`` without its overhead: generating 50,000 posts makes ~1M picks."""
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        """``random.randint`` without its overhead (see ``pick``)."""
        return low + int(self.random() * (high - low + 1))

    def fill(self, template: str) -> str:
        """Fill a word-list template with random people, places, organisations and topics;
        the first letter is capitalised because templates may start with "the …"."""
        text = template.format_map(self.words)
        return text[0].upper() + text[1:]

    def daytime(self, day: date) -> datetime:
        """A publication time during working hours on ``day``."""
        return datetime.combine(day, time(self.randint(6, 22), self.randint(0, 59)), NY)

    def dst_instant(self, day: date, i: int) -> datetime:
        """A time right next to the DST switch of ``day``'s year (both sides of the fold)."""
        if i % 20 == 7:
            switch = _nth_sunday(day.year, 3, 2)
            return datetime.combine(switch, time(3, self.randint(0, 59)), NY)
        switch = _nth_sunday(day.year, 11, 1)
        fold = (i // 20) % 2
        return datetime.combine(switch, time(1, self.randint(0, 59)), NY).replace(fold=fold)

    def post(self, post_id: int, published: datetime, unicode_slug: bool = False) -> Post:
        """One complete post; layout, dek and image rules follow what the two designs show
        (the date-line design prints no dek and always leads with its first photo)."""
        layout = "zox" if published >= ZOX_SINCE else "dateline"
        title = self.fill(self.pick(_CURLY_TITLES if unicode_slug else words.TITLE_TEMPLATES))
        slug = self.slug(title, published, unicode_slug)
        section = self.pick(words.SECTIONS)
        extras = self.rng.sample(words.EXTRA_CATEGORIES, self.randint(0, 2))
        has_dek = layout == "zox" and self.random() < 0.75
        return Post(
            id=post_id,
            slug=slug,
            published=published,
            modified=self.modified(published),
            title=title,
            dek=self.fill(self.pick(words.DEK_TEMPLATES)) if has_dek else None,
            authors=self.rng.sample(words.AUTHORS, 2 if self.random() < 0.15 else 1),
            section=section,
            categories=[section, *(c for c in extras if c != section)],
            tags=self.rng.sample(words.TAGS, self.randint(0, 4)),
            blocks=self.blocks(),
            images=self.images(published, slug, lead=layout == "dateline" or self.random() < 0.85),
            comments=self.comments(post_id, published),
            layout=layout,
        )

    def slug(self, title: str, published: datetime, keep_unicode: bool) -> str:
        """A slug unique per date; rarely keeps raw Unicode like the site's oldest permalinks."""
        if keep_unicode and _APOSTROPHE in title:
            base = re.sub(rf"[^\w{_APOSTROPHE}]+", "-", title.lower()).strip("-")
        else:
            base = slugify(title)
        base = "-".join(base.split("-")[:9])
        slug, k = base, 2
        while f"{published:%Y%m%d}/{slug}" in self.taken:
            slug, k = f"{base}-{k}", k + 1
        self.taken.add(f"{published:%Y%m%d}/{slug}")
        return slug

    def modified(self, published: datetime) -> datetime:
        """Most posts are touched up minutes later, some days later, a few never."""
        roll = self.random()
        if roll < 0.1:
            return published
        if roll < 0.7:
            return shift(published, timedelta(minutes=self.randint(1, 90)))
        return shift(published, timedelta(days=self.randint(1, 400)))

    def blocks(self) -> list[tuple[str, str]]:
        """2-12 paragraphs with the odd subheading, pull quote, list, address or e-mail."""
        paragraphs = [("paragraph", self.pick(self.paragraphs)) for _ in range(self.randint(2, 12))]
        roll = self.random()
        if roll < 0.05:
            paragraphs.append(("paragraph", f"Send letters to {self.pick(words.EMAILS)}."))
        elif roll < 0.08:
            paragraphs.append(("paragraph", "Café Saint-Ex\n1847 14th St., N.W."))
        extra: list[tuple[str, str]] = []
        if self.random() < 0.3:
            extra.append(("heading", self.fill(self.pick(words.HEADINGS))))
        if self.random() < 0.2:
            extra += [("quote", self.pick(self.sentences)) for _ in range(self.randint(1, 2))]
        if self.random() < 0.12:
            extra += [("list_item", self.fill(f"No. {k} {{t}} in {{l}}")) for k in (1, 2, 3)]
        cut = self.randint(1, len(paragraphs) - 1)
        return paragraphs[:cut] + extra + paragraphs[cut:]

    def images(self, published: datetime, slug: str, lead: bool) -> list[dict]:
        """0-3 photos under ``/content/files/YYYY/MM/``; the first is the lead photo unless
        ``lead`` is false (some Zox posts only have inline photos)."""
        stem = (slug if slug.isascii() else slugify(slug))[:40].strip("-")
        return [
            {
                "url": f"/content/files/{published:%Y/%m}/{stem}-{k + 1}.jpg",
                "alt": f"{self.pick(words.PEOPLE)}, gay news, Washington Blade"
                if self.random() < 0.8
                else None,
                **self.caption(),
                "featured": lead and k == 0,
            }
            for k in range(self.pick(_IMAGE_COUNTS))
        ]

    def caption(self) -> dict:
        """A caption and its credit in the shapes the site prints them: text then credit in
        parentheses, the parenthesised credit alone, a bare credit phrase, text alone, none."""
        credit = self.fill(self.pick(words.CREDITS))
        text = self.fill(self.pick(words.CAPTION_TEMPLATES))
        roll = self.random()
        if roll < 0.6:
            return {"caption": f"{text} ({credit})", "credit": credit}
        if roll < 0.75:
            return {"caption": f"({credit})", "credit": credit}
        if roll < 0.85:
            return {"caption": credit, "credit": credit}
        if roll < 0.95:
            return {"caption": None, "credit": None}
        return {"caption": text, "credit": None}

    def comments(self, post_id: int, published: datetime) -> list[dict]:
        """0-6 comments, some replying to earlier ones, returned in threaded display order.

        Ids are ``post_id * 10 + k``: unique, because post ids are at least one apart.
        """
        made: list[dict] = []
        when = published
        for k in range(self.pick(_COMMENT_COUNTS)):
            when = shift(when, timedelta(minutes=self.randint(5, 3000)))
            parent = self.pick(made)["id"] if made and self.random() < 0.35 else None
            made.append(
                {
                    "id": post_id * 10 + k,
                    "parent_id": parent,
                    "author": self.pick(words.COMMENTERS),
                    "published": when,
                    "text": self.pick(words.COMMENT_TEXTS),
                }
            )
        return _threaded(made)


class _Words(dict):
    """Template fields drawn on demand (``str.format_map``), so a template pays only for the
    fields it uses: ``{p}`` person, ``{o}`` organisation, ``{v}`` verb, ``{t}`` topic, ``{l}``
    place, ``{n}`` a number from 1 to 10."""

    POOLS: ClassVar[dict[str, Sequence[object]]] = {
        "p": words.PEOPLE,
        "o": words.ORGS,
        "v": words.VERBS,
        "t": words.TOPICS,
        "l": words.PLACES,
        "n": range(1, 11),
    }

    def __init__(self, pick: Callable[[Sequence[object]], object]) -> None:
        super().__init__()
        self.pick = pick

    def __missing__(self, key: str) -> object:
        return self.pick(self.POOLS[key])


#: Title templates with a typographic apostrophe, for the posts that keep one in their slug.
_CURLY_TITLES = tuple(t for t in words.TITLE_TEMPLATES if _APOSTROPHE in t)

#: Weighted counts, pre-expanded so that a uniform pick draws from the wanted distribution.
_IMAGE_COUNTS = (0,) * 20 + (1,) * 45 + (2,) * 25 + (3,) * 10
_COMMENT_COUNTS = (0,) * 30 + (1,) * 15 + (2,) * 15 + (3,) * 15 + (4,) * 10 + (5,) * 8 + (6,) * 7


def _threaded(comments: list[dict]) -> list[dict]:
    """Depth-first order, children after their parent in time order: how WordPress shows them."""
    children: dict[int | None, list[dict]] = {}
    for comment in comments:
        children.setdefault(comment["parent_id"], []).append(comment)
    ordered: list[dict] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(children.get(comment["id"], [])))
    return ordered


def _nth_sunday(year: int, month: int, nth: int) -> date:
    """The ``nth`` Sunday of a month: US DST starts on the 2nd in March, ends on the 1st in Nov."""
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
