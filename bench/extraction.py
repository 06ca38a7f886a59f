"""Figure 1: extraction speed and field accuracy, blade_spider vs trafilatura vs newspaper4k.

All three tools get the same HTML in the same process, one page at a time, on one core (the
driver is single-threaded and nothing else runs while it times). Pages: a few hundred article
pages fetched once from a running sample site (both Blade designs, generated), plus every
hand-written fixture article page (``tests/fixtures/pages`` and the real-WordPress pages in
``tests/fixtures/wordpress``).

Accuracy is measured against the fixtures' hand-written records (the truth that matters: written
from what each page shows, never by this parser) and, as a second table, against the sample
site's ``Post`` objects (generated truth: many more pages, but made by the same project as the
parser, so weaker evidence).

How fields are compared (the same for every tool):

* headline: equal after whitespace normalisation, ignoring case;
* authors: the same set of names after whitespace normalisation, ignoring case and order;
* published: *instant* — the same moment in time (a value without a zone is taken as New York
  time, the generous reading); *date* — the same calendar day in New York, time right or not
  (a tool that gives only a date can score here and nowhere else);
* body: token F1 — the harmonic mean of precision and recall of the multiset of lower-cased
  word tokens (``\\w+``), the usual article-extraction measure; the order-aware
  ``difflib.SequenceMatcher`` ratio over the same tokens is shown beside it;
* blade_spider only (the peers have no such fields): images (the same photo URLs), captions
  (the same caption list), comments (the same list of id, parent, author, time and text);
  comment text is also compared as token F1 with trafilatura's comment text.
"""

from __future__ import annotations

import cProfile
import difflib
import gc
import io
import json
import pstats
import re
import sysconfig
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from common import ROOT, median

NY = ZoneInfo("America/New_York")
FIXTURES = ROOT / "tests" / "fixtures"


# --- pages and their truth -----------------------------------------------------------------------


@dataclass
class Page:
    """One HTML page to extract, with the record a researcher expects from it (``truth``;
    None for a page that is not an article)."""

    name: str
    kind: str  # "fixture" or "sample"
    url: str
    html: bytes
    base_url: str | None  # the site the page belongs to (None: the live Blade)
    truth: dict[str, Any] | None
    layout: str = ""  # "zox", "dateline", ... (what the page looks like)

    @property
    def text(self) -> str:
        return self.html.decode("utf-8", errors="replace")


def fixture_pages() -> list[Page]:
    """Every fixture case: ``tests/fixtures/pages/*.json`` and ``wordpress/expected/*/*.json``
    with their HTML (the same pairing as ``tests.conftest.case_files``)."""
    cases: list[tuple[str, Path, Path]] = [
        (p.stem, p.with_suffix(".html"), p) for p in sorted((FIXTURES / "pages").glob("*.json"))]
    for expected in sorted((FIXTURES / "wordpress" / "expected").glob("*/*.json")):
        theme = expected.parent.name
        cases.append((f"wordpress/{theme}/{expected.stem}",
                       FIXTURES / "wordpress" / theme / f"{expected.stem}.html", expected))
    pages = []
    for name, html, expected in cases:
        case = json.loads(expected.read_text(encoding="utf-8"))
        url = case["url"]
        parts = urlsplit(url)
        base = None if "washingtonblade.com" in parts.netloc else f"{parts.scheme}://{parts.netloc}"
        layout = name.split("/")[1] if name.startswith("wordpress/") else name.split("_")[0]
        pages.append(Page(name, "fixture", url, html.read_bytes(), base,
                          fixture_truth(case["expected"]), layout))
    return pages


def sample_pages(count: int, seed: int = 11) -> list[Page]:
    """``count`` article pages fetched once over HTTP from an in-process sample site (it is
    stopped before anything is timed), with the generating ``Post`` as truth."""
    from blade_spider.sample_site import SampleSite

    pages = []
    with SampleSite(n=count + count // 10 + 5, seed=seed) as site:
        for post in site.archivable_posts()[:count]:
            url = site.url_for(post)
            with urllib.request.urlopen(url, timeout=30) as answer:  # 127.0.0.1 only
                html = answer.read()
            truth = {
                "headline": post.title,
                "authors": list(post.authors),
                "published": post.published.isoformat(timespec="seconds"),
                "body": post.body,
                "images": None,  # the Post keeps paths; photos are compared by caption here
                "captions": [i["caption"] for i in post.images],
                "image_paths": [i["url"] for i in post.images],
                "comments": None,
                "comment_ids": [str(c["id"]) for c in post.comments],
                "comment_text": "\n".join(c["text"] for c in post.comments),
            }
            pages.append(Page(f"sample/{post.id}", "sample", url, html, site.url, truth,
                              post.layout))
    return pages


# --- the tools -----------------------------------------------------------------------------------


@dataclass
class Extracted:
    """What a tool found, in the comparison's terms."""

    headline: str | None = None
    authors: list[str] = field(default_factory=list)
    published: Any = None  # ISO string, datetime or date
    body: str | None = None
    comment_text: str | None = None
    images: list[str] | None = None
    captions: list[str | None] | None = None
    comments: list[Any] | None = None
    error: str | None = None


class Responses:
    """The Scrapy ``HtmlResponse`` of a page as a spider callback gets it: built on every call
    (Scrapy's downloader builds one per page), around the page's ``Request``, which the spider
    built when it scheduled the URL and so is made once per page, outside the timing."""

    def __init__(self) -> None:
        from scrapy.http import HtmlResponse, Request

        self._response, self._request = HtmlResponse, Request
        self._requests: dict[str, Any] = {}

    def __call__(self, page: Page) -> Any:
        request = self._requests.get(page.url)
        if request is None:
            request = self._requests[page.url] = self._request(page.url)
        return self._response(url=page.url, body=page.html, request=request,
                              headers={"Content-Type": "text/html; charset=UTF-8"})


class BladeTool:
    """``blade_spider.extract.extract_article`` on a Scrapy ``HtmlResponse`` built from the
    bytes, as the spider gets it (the response's HTML parse is inside the timing: the spider
    pays it too; the loaders' processors are included)."""

    name = "blade_spider"

    def __init__(self) -> None:
        from blade_spider.extract import extract_article
        from blade_spider.urls import SiteHosts

        self._responses = Responses()
        self._extract, self._hosts = extract_article, SiteHosts
        self._sites: dict[str | None, Any] = {}

    def site(self, base_url: str | None) -> Any:
        if base_url not in self._sites:
            self._sites[base_url] = (self._hosts() if base_url is None else
                                     self._hosts(base_url, ("washingtonblade.com",)))
        return self._sites[base_url]

    def run(self, page: Page) -> Any:
        return self._extract(self._responses(page), self.site(page.base_url))

    @staticmethod
    def fields(raw: Any) -> Extracted:
        comments = [{k: c[k] for k in ("id", "parent_id", "author", "published", "text")}
                    for c in raw.comments]
        return Extracted(
            headline=raw.headline, authors=list(raw.authors or []), published=raw.published,
            body=raw.body, comment_text="\n".join(c["text"] for c in comments),
            images=[i["url"] for i in raw.images], captions=[i["caption"] for i in raw.images],
            comments=comments,
        )


class TrafilaturaTool:
    """``trafilatura.extract(html, url=..., with_metadata=True, include_comments=True,
    output_format="json")`` on the decoded page."""

    name = "trafilatura"

    def __init__(self) -> None:
        import trafilatura

        self._extract = trafilatura.extract

    def run(self, page: Page) -> Any:
        return self._extract(page.text, url=page.url, with_metadata=True, include_comments=True,
                             output_format="json")

    @staticmethod
    def fields(raw: Any) -> Extracted:
        if not raw:
            return Extracted(error="no output")
        data = json.loads(raw)
        authors = [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]
        return Extracted(headline=data.get("title"), authors=authors,
                         published=data.get("date"), body=data.get("text"),
                         comment_text=data.get("comments") or "")


class NewspaperTool:
    """``newspaper.Article(url); article.download(input_html=html); article.parse()``, with
    ``fetch_images=False``: by default newspaper4k downloads a page's images to rank them,
    which would leave 127.0.0.1 (and would time the network, not the parser)."""

    name = "newspaper4k"

    def __init__(self) -> None:
        import newspaper

        self._article = newspaper.Article
        self._config = newspaper.Config()
        self._config.fetch_images = False

    def run(self, page: Page) -> Any:
        article = self._article(page.url, config=self._config)
        article.download(input_html=page.text)
        article.parse()
        return article

    @staticmethod
    def fields(raw: Any) -> Extracted:
        return Extracted(headline=raw.title, authors=list(raw.authors or []),
                         published=raw.publish_date, body=raw.text)


class ParseOnly:
    """Not a contender: the floor under blade_spider's figure. Building the Scrapy response and
    parsing its HTML into the lxml tree every layer reads, and nothing else; no extractor that
    parses the page can be faster than this."""

    name = "(HTML parse only)"

    def __init__(self) -> None:
        from blade_spider.extract.page import Page as ParsedPage

        self._responses, self._page = Responses(), ParsedPage

    def run(self, page: Page) -> Any:
        return self._page(self._responses(page)).root

    @staticmethod
    def fields(raw: Any) -> Extracted:
        return Extracted()


def available_tools() -> tuple[list[Any], dict[str, str]]:
    """The tools that import here; a missing peer is reported, not fatal."""
    tools: list[Any] = []
    missing: dict[str, str] = {}
    for tool_class in (BladeTool, TrafilaturaTool, NewspaperTool):
        try:
            tools.append(tool_class())
        except ImportError as exc:
            missing[tool_class.name] = f"not installed ({exc.name}): pip install '.[bench]'"
    return [*tools, ParseOnly()], missing


# --- comparing -----------------------------------------------------------------------------------


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).casefold() if text else ""


_TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text.lower()) if text else []


def token_f1(found: str | None, truth: str | None) -> float:
    """Multiset word-token F1 (1.0 when both are empty)."""
    a, b = Counter(tokens(found)), Counter(tokens(truth))
    if not a and not b:
        return 1.0
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def sequence_ratio(found: str | None, truth: str | None) -> float:
    a, b = tokens(found), tokens(truth)
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def as_moment(value: Any) -> datetime | date | None:
    """A tool's date as a datetime (with time) or a date (day only); None if unreadable.

    A naive midnight is a day without a time (newspaper4k's way of saying "date only")."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None and moment.time() == datetime.min.time():
        return moment.date()
    return moment


def published_match(value: Any, truth_iso: str | None) -> tuple[bool, bool]:
    """``(same instant, same New York day)``."""
    if not truth_iso:
        return value is None, value is None
    truth = datetime.fromisoformat(truth_iso)
    moment = as_moment(value)
    if moment is None:
        return False, False
    if not isinstance(moment, datetime):
        return False, moment == truth.astimezone(NY).date()
    aware = moment if moment.tzinfo else moment.replace(tzinfo=NY)
    return aware == truth, aware.astimezone(NY).date() == truth.astimezone(NY).date()


def score(found: Extracted, truth: dict[str, Any]) -> dict[str, float]:
    """Per-field scores of one page (1/0 for exact fields, 0..1 for similarities); fields a
    tool does not have (``None`` in ``found``) or the truth does not know are left out."""
    instant, day = published_match(found.published, truth["published"])
    scores = {
        "headline": float(_norm(found.headline) == _norm(truth["headline"])),
        "authors": float({_norm(a) for a in found.authors} == {_norm(a) for a in truth["authors"]}),
        "published_instant": float(instant),
        "published_date": float(day),
        "body_f1": token_f1(found.body, truth["body"]),
        "body_ratio": sequence_ratio(found.body, truth["body"]),
    }
    if found.comment_text is not None:
        scores["comment_text_f1"] = token_f1(found.comment_text, truth["comment_text"])
    if found.images is not None and truth["images"] is not None:
        scores["images"] = float(found.images == truth["images"])
    if found.captions is not None:
        scores["captions"] = float(found.captions == truth["captions"])
    if found.comments is not None:
        if truth["comments"] is not None:
            scores["comments"] = float(found.comments == truth["comments"])
        else:  # generated truth: the ids, in display order
            scores["comments"] = float([c["id"] for c in found.comments] == truth["comment_ids"])
    return scores


def fixture_truth(expected: dict[str, Any] | None) -> dict[str, Any] | None:
    """A fixture's hand-written record in the comparison's terms."""
    if expected is None:
        return None
    comments = [{k: c[k] for k in ("id", "parent_id", "author", "published", "text")}
                for c in expected["comments"]]
    return {
        "headline": expected["headline"], "authors": expected["authors"],
        "published": expected["published"], "body": expected["body"],
        "images": [i["url"] for i in expected["images"]],
        "captions": [i["caption"] for i in expected["images"]],
        "comments": comments, "comment_ids": [c["id"] for c in comments],
        "comment_text": "\n".join(c["text"] for c in comments),
    }


# --- the run -------------------------------------------------------------------------------------


@dataclass
class ToolResult:
    name: str
    round_seconds: list[float] = field(default_factory=list)
    page_seconds: dict[str, list[float]] = field(default_factory=dict)
    accuracy: dict[str, dict[str, float]] = field(default_factory=dict)  # set -> field -> mean
    failures: dict[str, str] = field(default_factory=dict)

    def rate(self, pages: int) -> float:
        return pages / median(self.round_seconds) if self.round_seconds else 0.0


def _one_pass(tool: Any, pages: list[Page], result: ToolResult) -> None:
    for page in pages:
        start = time.perf_counter()
        try:
            tool.run(page)
        except Exception as exc:  # a peer failing on a page is a result, not a crash
            result.failures.setdefault(page.name, f"{type(exc).__name__}: {exc}")
        result.page_seconds.setdefault(page.name, []).append(time.perf_counter() - start)


def _accuracy(tool: Any, pages: list[Page], result: ToolResult, label: str) -> None:
    totals: dict[str, list[float]] = {}
    for page in pages:
        try:
            found = tool.fields(tool.run(page))
        except Exception as exc:
            found = Extracted(error=f"{type(exc).__name__}: {exc}")
        assert page.truth is not None
        for name, value in score(found, page.truth).items():
            totals.setdefault(name, []).append(value)
    result.accuracy[label] = {name: sum(v) / len(v) for name, v in totals.items()}


def blade_classification(pages: list[Page]) -> dict[str, int]:
    """How many fixture pages blade_spider classifies right (articles give a record, the
    other pages raise ``NotAnArticle``)."""
    from blade_spider.extract import NotAnArticle

    tool = BladeTool()
    right = 0
    for page in pages:
        try:
            tool.run(page)
            right += page.truth is not None
        except NotAnArticle:
            right += page.truth is None
        except Exception:
            pass
    return {"pages": len(pages), "right": right}


#: Pages each tool parses before the next tool takes its turn on the same pages.
CHUNK = 25


def run(sample_count: int, rounds: int) -> dict[str, Any]:
    """Time every tool over the same pages, ``rounds`` times, then score each against the truth.

    Within a round the tools take turns on chunks of :data:`CHUNK` pages (the order rotated
    from chunk to chunk, so none always runs first), rather than each running the whole set in
    one go: a shared or throttled CPU changes speed from one second to the next, and tools that
    take turns every fraction of a second meet the same machine, so the ratios between them
    hold even when the absolute rates drift. A chunk is long enough for a tool's caches to warm.
    """
    fixtures = fixture_pages()
    articles = [p for p in fixtures if p.truth is not None]
    samples = sample_pages(sample_count)
    timed = samples + articles
    tools, missing = available_tools()
    results = {tool.name: ToolResult(tool.name) for tool in tools}
    for tool in tools:  # warm-up: imports, compiled XPath, caches
        _one_pass(tool, timed[:10], ToolResult(tool.name))
    for round_no in range(rounds):
        seconds = dict.fromkeys(results, 0.0)
        gc.collect()
        for chunk_no, first in enumerate(range(0, len(timed), CHUNK)):
            chunk = timed[first:first + CHUNK]
            shift = (round_no + chunk_no) % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                start = time.perf_counter()
                _one_pass(tool, chunk, results[tool.name])
                seconds[tool.name] += time.perf_counter() - start
        for name, spent in seconds.items():
            results[name].round_seconds.append(spent)
    for tool in tools:
        if not isinstance(tool, ParseOnly):
            _accuracy(tool, articles, results[tool.name], "fixtures")
            _accuracy(tool, samples, results[tool.name], "sample")
    return {
        "pages": len(timed), "sample_pages": len(samples), "fixture_pages": len(articles),
        "layouts": Counter(p.layout for p in samples),
        "rounds": rounds, "chunk": CHUNK, "results": results, "missing": missing,
        "by_layout": _by_layout(results, timed),
        "classification": blade_classification(fixtures),
        # Generated truth can be wrong too: photos a Post lists that its page never shows.
        "unshown_photos": [p.name for p in samples
                           if any(path not in p.text for path in p.truth["image_paths"])],
        "leak": leak_check(samples),
        "profile": profile_blade(samples),
    }


def _by_layout(results: dict[str, ToolResult], pages: list[Page]) -> dict[str, dict[str, float]]:
    """Median milliseconds per page, by page design, per tool."""
    table: dict[str, dict[str, float]] = {}
    for name, result in results.items():
        per: dict[str, list[float]] = {}
        for page in pages:
            key = f"{page.kind}:{page.layout}" if page.kind == "sample" else "fixtures (all)"
            per.setdefault(key, []).append(median(result.page_seconds.get(page.name, [])))
        table[name] = {key: 1000 * median(values) for key, values in sorted(per.items())}
    return table


def leak_check(pages: list[Page]) -> dict[str, int]:
    """Objects still alive after extracting every page once and dropping the records.

    The crawl's peak memory once grew with every article because a processor cache kept each
    loader (and so each response and its parsed tree) alive; this is the cheap regression
    check for that whole class of bug: the count must be 0 however many pages were parsed.
    """
    from scrapy.http import HtmlResponse

    from blade_spider.record.loaders import ArticleLoader

    tool = BladeTool()
    gc.collect()
    before_loaders = sum(isinstance(o, ArticleLoader) for o in gc.get_objects())
    before_responses = sum(isinstance(o, HtmlResponse) for o in gc.get_objects())
    for page in pages:
        tool.run(page)
    gc.collect()
    return {
        "pages": len(pages),
        "loaders": sum(isinstance(o, ArticleLoader) for o in gc.get_objects()) - before_loaders,
        "responses": sum(isinstance(o, HtmlResponse) for o in gc.get_objects())
        - before_responses,
    }


def profile_blade(pages: list[Page], top: int = 18) -> str:
    """cProfile of one blade_spider pass over the sample pages: the functions with the most
    cumulative time (so a reader sees where extraction time goes without running it)."""
    tool = BladeTool()
    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages:
        tool.run(page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"blade_spider|jsonschema|parsel|itemloaders", top)
    return _trim_profile(out.getvalue())


_SITE_PACKAGES = sysconfig.get_paths()["purelib"] + "/"


def _trim_profile(text: str) -> str:
    keep = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("Ordered by", "List reduced")):
            continue
        keep.append(line.replace(f"{ROOT}/", "").replace(_SITE_PACKAGES, ""))
    return "\n".join(keep)


def rate_table(data: dict[str, Any]) -> list[tuple[str, float, float]]:
    """``(tool, articles/s, ms/page)`` for each tool, fastest first."""
    rows = []
    for name, result in data["results"].items():
        rate = result.rate(data["pages"])
        rows.append((name, rate, 1000 / rate if rate else float("nan")))
    return sorted(rows, key=lambda r: -r[1])


FIELD_ORDER: tuple[tuple[str, str], ...] = (
    ("headline", "headline (exact)"),
    ("authors", "authors (same set)"),
    ("published_instant", "published: same instant"),
    ("published_date", "published: same NY day"),
    ("body_f1", "body token F1"),
    ("body_ratio", "body difflib ratio"),
    ("comment_text_f1", "comment text token F1"),
    ("images", "images (same URLs)"),
    ("captions", "captions (same list)"),
    ("comments", "comments (same list)"),
)
#: The fields the accuracy target compares with trafilatura.
TARGET_FIELDS = ("headline", "authors", "published_instant", "published_date", "body_f1")


def beats(blade: float, peer: float) -> bool:
    """Better, or both perfect (a tie at 100 % cannot be beaten)."""
    return blade > peer or (blade >= 0.9999 and peer >= 0.9999)

