"""Rebuild the archive from its raw captures, and bring in captures made elsewhere.

``blade reparse`` reads every article capture in ``<output>/warc/`` again with the *current*
parser, offline, and merges the records as a crawl would: a record whose content changed is
replaced and its old version kept in history, an unchanged one keeps its bytes. ``--dry-run``
writes nothing and says which fields would change, how often, with examples, so a parser change
can be judged before it touches the archive.

``blade import-warc`` adds captures made by others (a web archive, Common Crawl): only HTTP 200
HTML responses at article URLs of the site are used; other record types (request, revisit,
metadata), other hosts and other pages are skipped. A used capture is copied verbatim into the
archive's own ``warc/`` (so later re-parses see it), and it never replaces a record fetched at or
after its WARC-Date.

Both take, per article URL, the newest capture; ``crawl.fetched_at`` is its WARC-Date. A post
split with ``<!--nextpage-->`` is put together as the crawl puts it together
(:mod:`blade_spider.extract.assemble`), from the captures of its continuation pages (``/slug/2/``,
and ``/slug/comment-page-2/`` for comments split into pages) in the same WARCs.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import sqlite3
import tempfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import chain, islice
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from scrapy.http import Headers, HtmlResponse, Request
from scrapy.responsetypes import responsetypes

from blade_spider.archive.state import ArticleState, StateStore
from blade_spider.archive.store import STATE, Archive, changed_fields, record_sha256
from blade_spider.archive.warc import (
    DEFAULT_MAX_BYTES,
    WARC_DIR,
    Capture,
    Scan,
    WarcAppender,
    read_capture,
    scan_warc,
    warcinfo,
)
from blade_spider.extract import NotAnArticle, extract_page
from blade_spider.extract.assemble import Continuation, assemble, comment_page
from blade_spider.extract.page import Page
from blade_spider.record.items import Article
from blade_spider.record.schema import normalised, schema_errors
from blade_spider.status import DEGRADED, FATAL, OK
from blade_spider.urls import ARTICLE_PATH, SiteHosts

logger = logging.getLogger(__name__)

#: Records merged per batch (as the crawl's ``BLADE_FLUSH_ITEMS``): bounds memory on big archives.
BATCH = 500
#: Examples shown per changed field, and the length values are cut to.
EXAMPLES_PER_FIELD = 3
CLIP = 70
#: Record types every WARC has besides responses: not worth reporting as skipped.
BOOKKEEPING = frozenset({"warcinfo", "request", "metadata"})
#: Captures a worker parses per task, and tasks queued per worker: enough to keep every core
#: busy, few enough that results waiting for their turn to be merged stay a bounded handful.
CHUNK = 50
AHEAD = 4


class _Unusable(Exception):
    """A capture that yields no record for an expected reason (counted, not a problem)."""


class _Incomplete(Exception):
    """An article whose continuation pages (post or comment pages) were not all captured (a
    problem)."""


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _clip(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= CLIP else text[: CLIP - 1] + "…"


def _dated_before(url: str, since: date) -> bool:
    """The article URL's date is before the day before ``since``: a cheap test that spares
    parsing. The URL's date is the local publication day; the exact test is on the record."""
    match = ARTICLE_PATH.match(urlsplit(url).path)
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"])) if match else since
    except ValueError:
        return False
    return day < since - timedelta(days=1)


def _is_html(content_type: str, url: str) -> bool:
    headers = Headers({"Content-Type": content_type} if content_type else {})
    return issubclass(responsetypes.from_args(headers=headers, url=url), HtmlResponse)


# --- reports -----------------------------------------------------------------------------------

@dataclass
class FieldChange:
    """One example of a changed field, values as JSON cut to :data:`CLIP` characters."""

    id: str
    field: str
    old: str
    new: str


@dataclass
class RunReport:
    """What a re-parse or an import did (or, dry, would do)."""

    files: int = 0
    #: Response records read, and the article pages among them that were chosen for parsing.
    captures: int = 0
    candidates: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Changed records per field, and a few examples of each.
    fields: Counter[str] = field(default_factory=Counter)
    examples: list[FieldChange] = field(default_factory=list)
    #: Captures that gave no record, by reason: expected, not errors.
    skipped: Counter[str] = field(default_factory=Counter)
    #: What went wrong (the run is partial); notes are worth knowing but fine.
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def read(self, scan: Scan, index: CaptureIndex, torn_is_problem: bool) -> None:
        """Count one scanned file and index its captures."""
        self.files += 1
        if scan.error:
            self.problems.append(f"{scan.path}: {scan.error}")
            return
        if scan.torn_at is not None:
            message = (f"{scan.path}: incomplete record at byte {scan.torn_at} (a write was cut "
                       "short): it and anything after it skipped")
            (self.problems if torn_is_problem else self.notes).append(message)
        for kind, count in scan.others.items():
            if kind not in BOOKKEEPING:
                self.skipped[f"{kind} record"] += count
        for capture in scan.captures:
            self.captures += 1
            reason = index.add(capture)
            if reason:
                self.skipped[reason] += 1
        self.candidates = len(index)

    def note_change(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for name in changed_fields(old, new):
            self.fields[name] += 1
            if self.fields[name] <= EXAMPLES_PER_FIELD:
                self.examples.append(FieldChange(new["id"], name, _clip(old.get(name)),
                                                 _clip(new.get(name))))

    def outcome_lines(self) -> list[str]:
        lines = [f"new {self.new} | updated {self.updated} | unchanged {self.unchanged}"]
        if self.fields:
            lines.append("changed fields: " + ", ".join(
                f"{name} {count}" for name, count in self.fields.most_common()))
            lines += [f"  {e.id} {e.field}: {e.old} → {e.new}" for e in self.examples]
        if self.skipped:
            lines.append("skipped: " + ", ".join(
                f"{reason} {count}" for reason, count in sorted(self.skipped.items())))
        return lines


@dataclass
class ReparseReport(RunReport):
    """What :func:`reparse` did; with ``dry_run`` the counts say what it would do."""

    dry_run: bool = False

    @property
    def status(self) -> int:
        """0 ok, 1 some captures could not be turned into records, 2 nothing to re-parse."""
        if not self.captures:
            return FATAL
        return DEGRADED if self.problems else OK

    def summary(self) -> str:
        if not self.files:
            return "no WARC files: nothing to re-parse (crawl with BLADE_WARC_ENABLED on first)"
        head = (f"{self.candidates} article captures in {self.files} WARC files"
                + (" (dry run: nothing written)" if self.dry_run else ""))
        if self.dry_run:
            head += f"; {self.new + self.updated} records would change"
        return "\n".join([head, *self.outcome_lines()])


@dataclass
class ImportReport(RunReport):
    """What :func:`import_warc` did; ``copied`` are the archive's new ``warc/`` files."""

    copied: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        """0 ok, 1 some input was unreadable or unusable, 2 no article capture in the input."""
        if not self.candidates:
            return FATAL
        return DEGRADED if self.problems else OK

    def summary(self) -> str:
        head = (f"read {self.captures} responses in {self.files} files, "
                f"{self.candidates} article captures")
        if not self.candidates:
            return head + ": nothing to import"
        lines = [head, *self.outcome_lines()]
        if self.copied:
            lines.append(f"captures copied to {', '.join(self.copied)}")
        return "\n".join(lines)


# --- choosing captures --------------------------------------------------------------------------

def _is_continuation(site: SiteHosts, url: str, canonical: str) -> bool:
    """Whether ``url`` (a URL of the article ``canonical``) is a continuation page of it: page
    ``/slug/N/`` of a post split over pages or comment page ``/slug/comment-page-N/``, not the
    article page itself (or its AMP copy)."""
    path = urlsplit(site.normalize(url) or url).path
    suffix = path[len(urlsplit(canonical).path):].strip("/")
    return suffix.isdigit() or comment_page(path) is not None


#: A capture as a row of the index's tables (:class:`CaptureIndex`), ``hints`` as JSON.
_CAPTURE_COLUMNS = ("path TEXT, offset INTEGER, length INTEGER, url TEXT, date TEXT, "
                    "record_id TEXT, status INTEGER, content_type TEXT, hints TEXT")
_CAPTURE_FIELDS = "path, offset, length, url, date, record_id, status, content_type, hints"
#: Placeholders for a key and a capture.
_KEYED_CAPTURE = ", ".join("?" * 10)


def _row(capture: Capture) -> tuple[Any, ...]:
    return (str(capture.path), capture.offset, capture.length, capture.url, capture.date,
            capture.record_id, capture.status, capture.content_type, json.dumps(capture.hints))


def _capture(row: tuple[Any, ...]) -> Capture:
    path, offset, length, url, day, record_id, status, content_type, hints = row
    return Capture(Path(path), offset, length, url, day, record_id, status, content_type,
                   json.loads(hints))


class CaptureIndex:
    """The captures a run uses: the newest per article URL, and the continuation pages.

    Kept in a SQLite file in a temporary directory (``TMPDIR``; deleted by :meth:`close`), not in
    memory: an archive's captures outnumber what a process should hold, and worker processes
    open the same file to find continuation pages.
    """

    def __init__(self, site: SiteHosts, mirrors: bool, path: Path | None = None) -> None:
        self.site = site
        self.mirrors = mirrors
        #: The directory this index made (and :meth:`close` deletes); ``None`` for a reader.
        self._made: tempfile.TemporaryDirectory[str] | None = None
        if path is None:
            self._made = tempfile.TemporaryDirectory(prefix="blade-captures-")
            path = Path(self._made.name) / "captures.sqlite"
        self.path = path
        self._db: sqlite3.Connection | None = None
        #: Article URLs indexed so far.
        self.size = 0
        if self._made:
            self.db.executescript(f"""
                CREATE TABLE pages (canonical TEXT PRIMARY KEY, {_CAPTURE_COLUMNS});
                CREATE TABLE continued (seq INTEGER PRIMARY KEY, normal TEXT, {_CAPTURE_COLUMNS});
                CREATE INDEX continued_normal ON continued (normal);
                CREATE TABLE chosen (canonical TEXT PRIMARY KEY);
            """)

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, opened on first use: a reader handed to a worker process opens its
        own there (a connection must not cross a fork)."""
        if self._db is None:
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA synchronous = OFF")  # scratch data: a crash loses nothing
        return self._db

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_db": None, "_made": None}

    def __len__(self) -> int:
        return self.size

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._made is not None:
            self._made.cleanup()

    def __enter__(self) -> CaptureIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def site_for(self, url: str) -> SiteHosts | None:
        """The site ``url`` belongs to. With ``mirrors`` (the archive's own captures), a capture
        of another host was made by crawling a copy of the site (``-a base_url``) and is read as
        that copy, as the spider read it."""
        if self.site.owns(url):
            return self.site
        parts = urlsplit(url)
        if self.mirrors and parts.scheme in ("http", "https") and parts.netloc:
            return replace(self.site, base_url=f"{parts.scheme}://{parts.netloc}")
        return None

    def add(self, capture: Capture) -> str | None:
        """Index ``capture``; returns why a capture is not used (``None`` when all are)."""
        if capture.status != 200:
            return "not HTTP 200"
        if not _is_html(capture.content_type, capture.url):
            return "not HTML"
        site = self.site_for(capture.url)
        if site is None:
            return "another host"
        canonical = site.article_url(capture.url)
        if canonical is None:
            return "not an article URL"
        if _is_continuation(site, capture.url, canonical):
            self.db.execute(f"INSERT INTO continued (normal, {_CAPTURE_FIELDS}) "
                            f"VALUES ({_KEYED_CAPTURE})",
                            (site.normalize(capture.url) or capture.url, *_row(capture)))
            return None
        current = self.db.execute("SELECT date FROM pages WHERE canonical = ?",
                                  (canonical,)).fetchone()
        if current is not None and _instant(current[0]) > _instant(capture.date):
            return "older capture of the same URL"
        self.db.execute(f"INSERT OR REPLACE INTO pages (canonical, {_CAPTURE_FIELDS}) "
                        f"VALUES ({_KEYED_CAPTURE})", (canonical, *_row(capture)))
        if current is None:
            self.size += 1
            return None
        return "older capture of the same URL"

    def pages(self) -> Iterator[tuple[str, Capture]]:
        """Each article URL and its capture, in URL order (few partitions to merge into)."""
        self.db.commit()
        for canonical, *row in self.db.execute(
                f"SELECT canonical, {_CAPTURE_FIELDS} FROM pages ORDER BY canonical"):
            yield canonical, _capture(tuple(row))

    def choose(self, canonical: str) -> None:
        """Mark the capture of ``canonical`` for parsing (:meth:`chosen`)."""
        self.db.execute("INSERT INTO chosen VALUES (?)", (canonical,))

    def chosen(self) -> Iterator[Capture]:
        """The captures marked by :meth:`choose`, in URL order."""
        self.db.commit()
        for row in self.db.execute(f"SELECT {_CAPTURE_FIELDS} FROM chosen JOIN pages "
                                   "USING (canonical) ORDER BY canonical"):
            yield _capture(row)

    def for_parsing(self) -> CaptureIndex:
        """What parsing needs (sites, continuation pages): a reader of the same file, which
        opens its own connection where it is used."""
        self.db.commit()
        return CaptureIndex(self.site, self.mirrors, self.path)

    def continuation(self, url: str, near: Capture) -> Capture | None:
        """The capture of continuation page ``url`` nearest in time to page 1's (the one the
        same crawl fetched)."""
        site = self.site_for(url)
        found = [_capture(row) for row in self.db.execute(
            f"SELECT {_CAPTURE_FIELDS} FROM continued WHERE normal = ? ORDER BY seq",
            ((site.normalize(url) if site else None) or url,))]
        return min(found, key=lambda c: abs(_instant(c.date) - _instant(near.date)),
                   default=None)


# --- parsing --------------------------------------------------------------------------------

@dataclass
class _Parsed:
    """What parsing one capture gave: a record (with its schema errors), or why none."""

    capture: Capture
    record: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None
    problem: str | None = None
    #: With ``copy``: every capture read for it (page 1 first), as gzip members to append.
    members: list[bytes] = field(default_factory=list)


class _Replay:
    """Parse captures as the spider parsed the responses: same response class, headers, URL and
    request meta (discovery hints, ``fetched_at``, ``warc``).

    Runs in worker processes, so it writes nothing: ``crawl.warc`` points into the archive
    (``root``), or with ``copy`` (import) at the source capture until the parent has appended
    the captures read (:attr:`_Parsed.members`) to the archive's own WARC and knows where.
    """

    def __init__(self, index: CaptureIndex, root: Path, copy: bool) -> None:
        self.index = index
        self.root = root
        self.copy = copy

    def response(self, capture: Capture, members: list[bytes]) -> HtmlResponse:
        payload = read_capture(capture)
        headers = Headers()
        for name, value in payload.headers:
            headers.appendlist(name, value)
        response_class = responsetypes.from_args(headers=headers, url=capture.url,
                                                 body=payload.body)
        if not issubclass(response_class, HtmlResponse):
            raise _Unusable("not HTML")
        if self.copy:
            members.append(payload.member())
            file = capture.path.name
        else:
            file = capture.path.relative_to(self.root).as_posix()
        meta = {**capture.hints, "fetched_at": capture.date,
                "warc": {"file": file, "offset": capture.offset, "record_id": capture.record_id}}
        return response_class(url=capture.url, status=payload.status, headers=headers,
                              body=payload.body, request=Request(capture.url, meta=meta))

    def article(self, capture: Capture, members: list[bytes]) -> Article:
        """The capture's article; raises NotAnArticle, _Unusable or _Incomplete."""
        site = self.index.site_for(capture.url) or self.index.site
        parsed = Page(self.response(capture, members), site)
        article = extract_page(parsed)
        pages = Continuation.start(parsed, article)
        while pages and pages.todo:
            page = self.index.continuation(pages.todo[0], capture)
            if page is None:
                raise _Incomplete(f"{capture.url}: continuation page {pages.todo[0]} was not "
                                  "captured")
            pages = pages.after(self.response(page, members), article, site)
        return assemble(article, pages.fetched if pages else (), site)

    def parse(self, capture: Capture) -> _Parsed:
        """The capture's record in the archive's form, or why there is none; never raises."""
        parsed = _Parsed(capture)
        try:
            record = normalised(self.article(capture, parsed.members))
        except NotAnArticle as exc:
            parsed.skipped = f"not an article ({exc.reason})"
        except _Unusable as exc:
            parsed.skipped = str(exc)
        except _Incomplete as exc:
            parsed.problem = str(exc)
        except Exception as exc:  # a broken capture must not stop the run (as in the crawl)
            logger.exception("Parse failure on %s", capture.url)
            parsed.problem = f"{capture.url}: {type(exc).__name__}: {exc}"
        else:
            parsed.record, parsed.errors = record, schema_errors(record)
        return parsed


#: The worker process's replay, set once when the worker starts (:func:`_start_worker`).
_worker_replay: _Replay | None = None


def _start_worker(replay: _Replay) -> None:
    global _worker_replay
    _worker_replay = replay


def _parse_chunk(captures: list[Capture]) -> list[_Parsed]:
    assert _worker_replay is not None
    return [_worker_replay.parse(capture) for capture in captures]


def _pool(workers: int, replay: _Replay) -> ProcessPoolExecutor:
    """``workers`` processes. Forked where the platform can: a worker then starts with the
    parser imported and the capture index in memory, with nothing to pickle."""
    forked = "fork" in multiprocessing.get_all_start_methods()
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork") if forked else None,
        initializer=_start_worker, initargs=(replay,))


def _parse_all(replay: _Replay, captures: Iterable[Capture], workers: int) -> Iterator[_Parsed]:
    """Each capture parsed, in the order given, by ``workers`` processes (1: in this one).
    Only a few chunks are in flight at a time, so memory does not grow with the archive."""
    if workers <= 1:
        yield from map(replay.parse, captures)
        return
    todo = iter(captures)
    # Forked workers share the parent's memory until it is written to; their garbage collector
    # would touch every inherited object and so copy the whole parent into each worker.
    gc.freeze()
    pending: deque[tuple[list[Capture], Future[list[_Parsed]] | None]] = deque()
    try:
        with _pool(workers, replay) as pool:
            while True:
                while len(pending) < workers * AHEAD and (chunk := list(islice(todo, CHUNK))):
                    pending.append((chunk, None))
                    pending[-1] = (chunk, pool.submit(_parse_chunk, chunk))
                if not pending:
                    return
                future = pending[0][1]
                results = future.result() if future is not None else []
                pending.popleft()
                yield from results
    except BrokenProcessPool:  # a worker died (killed, out of memory): no pool left
        # Streamed, not listed: the rest of the archive may be most of it.
        lost = chain((c for waiting, _ in pending for c in waiting), todo)
        first, count = next(lost), 1
        for capture in lost:
            count += 1
            yield _Parsed(capture, skipped="not parsed (a worker died)")
        yield _Parsed(first, problem=(
            f"a worker process died: {count} captures from {first.url} on were "
            "not parsed (--workers 1 shows which capture it was)"))
    finally:
        gc.unfreeze()


class Progress(Protocol):
    """Told how many captures a run parses, then of each one done (``blade`` shows it)."""

    def start(self, total: int) -> None: ...

    def step(self) -> None: ...

    def close(self) -> None: ...


# --- merging --------------------------------------------------------------------------------

class _Rebuild:
    """Collect re-parsed records and merge them in batches, or (dry) only compare them."""

    def __init__(self, archive: Archive, state: StateStore | None, report: RunReport,
                 dry_run: bool, newer_only: bool) -> None:
        self.archive = archive
        self.state = state
        self.report = report
        self.dry_run = dry_run
        self.newer_only = newer_only
        #: When each article's record was taken (another URL of it may come later), in SQLite's
        #: private temporary database (on disk, deleted when closed): not one entry per record
        #: in memory.
        self.taken = sqlite3.connect("")
        self.taken.execute("CREATE TABLE taken (id TEXT PRIMARY KEY, date TEXT)")
        self.batch: dict[str, dict[str, Any]] = {}

    def known(self, article_id: str) -> ArticleState | None:
        return self.state.get(article_id) if self.state is not None else None

    def stale(self, capture: Capture, known: ArticleState | None) -> str | None:
        """Why ``capture`` must not replace the archived record (``None`` when it may)."""
        if known is None:
            return None
        when = _instant(capture.date)
        if known.gone_at and when <= _instant(known.gone_at):
            return "article gone since the capture"
        if known.fetched_at:
            fetched = _instant(known.fetched_at)
            if when < fetched or (self.newer_only and when == fetched):
                return "archived record is as new or newer"
        return None

    def add(self, parsed: _Parsed, since: date | None) -> None:
        """Take the parsed record unless it is out of scope, stale or invalid."""
        record, capture = parsed.record, parsed.capture
        assert record is not None
        if since and (record["published"] or "")[:10] < since.isoformat():
            self.report.skipped["published before --since"] += 1
            return
        when = _instant(capture.date)
        reason = self.stale(capture, self.known(record["id"]))
        taken = self.taken.execute("SELECT date FROM taken WHERE id = ?",
                                   (record["id"],)).fetchone()
        if taken is not None and _instant(taken[0]) > when:
            reason = "older capture of the same article"
        if reason:
            self.report.skipped[reason] += 1
            return
        if parsed.errors:
            self.report.problems.append(
                f"{capture.url}: invalid record: {'; '.join(parsed.errors[:3])}")
            return
        self.taken.execute("INSERT OR REPLACE INTO taken VALUES (?, ?)",
                           (record["id"], capture.date))
        self.batch[record["id"]] = record
        if len(self.batch) >= BATCH:
            self.flush()

    def archived(self, article_id: str, partitions: dict[str, dict[str, Any]]) -> Any:
        known = self.known(article_id)
        if known is None:
            return None
        if known.partition not in partitions:
            partitions[known.partition] = {
                r["id"]: r for r in self.archive.read_partition(known.partition)}
        return partitions[known.partition].get(article_id)

    def flush(self) -> None:
        """Compare the batch with the archive (field by field), then merge it unless dry."""
        records = list(self.batch.values())
        self.batch.clear()
        if not records:
            return
        partitions: dict[str, dict[str, Any]] = {}
        outcome: Counter[str] = Counter()
        for record in records:
            old = self.archived(record["id"], partitions)
            if old is None:
                outcome["new"] += 1
            elif record_sha256(old) == record_sha256(record) and not old["crawl"].get("gone_at"):
                outcome["unchanged"] += 1
            else:
                outcome["updated"] += 1
                self.report.note_change(old, record)
        if not self.dry_run:
            assert self.state is not None
            outcome = Counter(self.archive.merge(records, self.state).counts())
            self.archive.write_manifest()
        self.report.new += outcome["new"]
        self.report.updated += outcome["updated"]
        self.report.unchanged += outcome["unchanged"]


def _merge_journal(archive: Archive, state: StateStore) -> None:
    """Merge what a killed crawl left unmerged first, as the next crawl would: replayed later, it
    would put the old parser's records back over this run's."""
    leftover = archive.journal_entries()
    if leftover:
        logger.warning("Merging %d records a killed crawl had not yet archived", len(leftover))
        archive.merge(leftover, state)
        archive.write_manifest()
        archive.journal_clear()


def _run(archive: Archive, index: CaptureIndex, report: RunReport, *, workers: int,
         dry_run: bool, newer_only: bool, since: date | None = None,
         appender: WarcAppender | None = None, progress: Progress | None = None) -> None:
    """Parse the chosen captures (``workers`` processes) and merge (or compare) their records in
    URL order, whatever the number of workers; with ``appender`` (import) each capture read is
    copied into the archive's own WARC and the record points at the copy."""
    if not dry_run:
        archive.lock()
    state = None
    try:
        # A dry run never creates the state store: with none, every record would be new.
        if not dry_run or archive.path(STATE).exists():
            state = StateStore(archive.path(STATE))
        if state is not None and not dry_run:
            _merge_journal(archive, state)
        rebuild = _Rebuild(archive, state, report, dry_run, newer_only)
        chosen = 0  # decided on the archive as it was before the run: the same for any workers
        for canonical, capture in index.pages():
            reason = rebuild.stale(capture, state.by_url(canonical) if state else None)
            if since and _dated_before(canonical, since):
                reason = "published before --since"
            if reason:  # not even read
                report.skipped[reason] += 1
            else:
                index.choose(canonical)
                chosen += 1
        replay = _Replay(index.for_parsing(), archive.root, copy=appender is not None)
        if progress is not None:
            progress.start(chosen)
        try:
            for parsed in _parse_all(replay, index.chosen(), workers):
                if progress is not None:
                    progress.step()
                copies = [appender.append(member) for member in parsed.members] if appender else []
                if parsed.skipped:
                    report.skipped[parsed.skipped] += 1
                elif parsed.problem:
                    report.problems.append(parsed.problem)
                else:
                    if copies:
                        assert parsed.record is not None
                        file, offset = copies[0]
                        parsed.record["crawl"]["warc"] = {
                            "file": file, "offset": offset, "record_id": parsed.capture.record_id}
                    rebuild.add(parsed, since)
        finally:
            replay.index.close()
            rebuild.taken.close()
            if progress is not None:
                progress.close()
        rebuild.flush()
    finally:
        if state is not None:
            state.close()
        if not dry_run:
            archive.unlock()


# --- the two operations ---------------------------------------------------------------------

def reparse(output_dir: str | Path, since: date | str | None = None, dry_run: bool = False,
            site: SiteHosts | None = None, workers: int = 1,
            progress: Progress | None = None) -> ReparseReport:
    """Rebuild the archive's records from its WARC captures with the current parser, offline.

    ``since`` (a date or ``YYYY-MM-DD``) limits it to articles published on or after that day;
    ``dry_run`` writes nothing and reports what would change; ``site`` is the site the captures
    are of (default: the live Blade; captures of a mirror are read as that mirror); ``workers``
    processes parse (the archive written is the same for any number), and ``progress`` is told
    of each capture parsed. Raises :class:`~blade_spider.archive.store.ArchiveLocked` when a
    crawl is writing the archive.
    """
    archive = Archive(output_dir)
    since_day = date.fromisoformat(since) if isinstance(since, str) else since
    report = ReparseReport(dry_run=dry_run)
    with CaptureIndex(site or SiteHosts(), mirrors=True) as index:
        for path in sorted(archive.path(WARC_DIR).glob("*.warc.gz")):
            report.read(scan_warc(path), index, torn_is_problem=False)
        if index:
            _run(archive, index, report, workers=workers, dry_run=dry_run, newer_only=False,
                 since=since_day, progress=progress)
    return report


def import_warc(output_dir: str | Path, files: Iterable[str | Path],
                site: SiteHosts | None = None, workers: int = 1,
                progress: Progress | None = None) -> ImportReport:
    """Add the article captures of WARC files made elsewhere to the archive.

    Only HTTP 200 HTML responses at article URLs of ``site`` (default: the live Blade) are used,
    the newest per URL; each is copied verbatim into ``<output>/warc/import-….warc.gz`` and parsed
    like a crawled page, with ``crawl.fetched_at`` its WARC-Date. A capture never replaces a
    record fetched at or after that date; ``workers`` and ``progress`` as for :func:`reparse`.
    Raises :class:`~blade_spider.archive.store.ArchiveLocked` when a crawl is writing the
    archive.
    """
    archive = Archive(output_dir)
    paths = [Path(f) for f in files]
    report = ImportReport()
    with CaptureIndex(site or SiteHosts(), mirrors=False) as index:
        for path in paths:
            report.read(scan_warc(path), index, torn_is_problem=True)
        if not index:
            return report
        appender = WarcAppender(
            archive.root, "import", DEFAULT_MAX_BYTES,
            warcinfo("Article captures copied verbatim by blade import-warc from: "
                     + ", ".join(p.name for p in paths)))
        try:
            _run(archive, index, report, workers=workers, dry_run=False, newer_only=True,
                 appender=appender, progress=progress)
        finally:
            appender.close()
    report.copied = appender.files
    return report
