"""What the archive holds, in a small SQLite store beside it (``output/state.sqlite3``).

The one place that knows, for every archived article: its canonical URL, dates, where its record
lives, the validators for conditional requests (ETag, Last-Modified), the content hash, when it was
fetched, and whether it has gone. Deduplication and incremental runs ask it; the archive writer
updates it after the record files are safely on disk, and it can always be rebuilt from those
files (``blade validate --repair``), so it never holds the only copy of anything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    published TEXT,
    modified TEXT,
    partition TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    content_sha256 TEXT,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT,
    checked_at TEXT,
    gone_at TEXT,
    gone_status INTEGER,
    modified_source TEXT
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
CREATE TABLE IF NOT EXISTS urls (url TEXT PRIMARY KEY, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inflight (
    url TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    lastmod TEXT,
    source TEXT
);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    finish_reason TEXT,
    summary TEXT
);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleState:
    """The stored facts about one archived article."""

    id: str
    url: str
    published: str | None
    modified: str | None
    partition: str
    record_sha256: str
    content_sha256: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str | None
    checked_at: str | None
    gone_at: str | None
    gone_status: int | None
    #: Which layer gave ``modified`` (a discovery source: the page may not print it again).
    modified_source: str | None = None


class StateStore:
    """A thin, typed wrapper over the SQLite file; one connection per user (spider, pipeline)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
        if "modified_source" not in columns:  # a state written before the column existed
            self.db.execute("ALTER TABLE articles ADD COLUMN modified_source TEXT")

    def close(self) -> None:
        self.db.close()

    def verify(self) -> None:
        """Raise :class:`sqlite3.DatabaseError` unless SQLite finds the file sound (a truncated
        or overwritten file can open and still fail on the first page it reads)."""
        rows = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        if rows != ["ok"]:
            raise sqlite3.DatabaseError(f"{self.path} is damaged: {'; '.join(rows[:3])}")

    # --- reads -----------------------------------------------------------------------------

    def get(self, article_id: str) -> ArticleState | None:
        row = self.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return ArticleState(**dict(row)) if row else None

    def by_url(self, url: str) -> ArticleState | None:
        row = self.db.execute(
            "SELECT a.* FROM urls u JOIN articles a ON a.id = u.id WHERE u.url = ?", (url,)
        ).fetchone()
        return ArticleState(**dict(row)) if row else None

    def published_since(self, since: str) -> list[ArticleState]:
        rows = self.db.execute(
            "SELECT * FROM articles WHERE published >= ? AND gone_at IS NULL", (since,)
        ).fetchall()
        return [ArticleState(**dict(r)) for r in rows]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def all(self) -> Iterator[ArticleState]:
        for row in self.db.execute("SELECT * FROM articles ORDER BY id"):
            yield ArticleState(**dict(row))

    def last_crawl_started(self) -> str | None:
        """Start of the last crawl that finished its discovery (the incremental watermark).

        A run that resumed stopped ones finished the discovery they began (their listings
        were read, not read again): the watermark is the first stopped run's start. A partial
        run (named URLs or listings only) read no listing of its own and is passed over."""
        rows = self.db.execute(
            "SELECT started_at, finish_reason FROM crawls ORDER BY id DESC").fetchall()
        started = None
        for at, reason in rows:
            if reason == "partial":
                continue
            if started is None:
                if reason == "finished":
                    started = at
            elif reason == "stopped":
                started = at
            else:
                break
        return started

    def last_sweep_started(self) -> str | None:
        """Start of the last finished crawl that read every listing whole and checked the
        archive against them (a sweep, a full or first run: ``"sweep": true`` in its summary)."""
        rows = self.db.execute("SELECT started_at, summary FROM crawls "
                               "WHERE finish_reason = 'finished' ORDER BY id DESC")
        return next((at for at, summary in rows if json.loads(summary or "{}").get("sweep")),
                    None)

    def last_crawl_reason(self) -> str | None:
        """How the last crawl ended (``finished``, ``failed``; None: killed, or no crawl yet)."""
        row = self.db.execute(
            "SELECT finish_reason FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def inflight(self) -> list[tuple[str, str | None, str | None]]:
        """``(url, lastmod, source)`` of article requests a killed run had in flight."""
        return [tuple(r) for r in self.db.execute(
            "SELECT url, lastmod, source FROM inflight ORDER BY since")]

    # --- writes ----------------------------------------------------------------------------

    def upsert_many(self, rows: Iterable[dict[str, Any]]) -> None:
        """Record articles written to the archive (one transaction)."""
        with self._transaction():
            for row in rows:
                self.db.execute(
                    "INSERT INTO articles (id, url, published, modified, partition, "
                    "record_sha256, content_sha256, etag, last_modified, fetched_at, checked_at, "
                    "gone_at, gone_status, modified_source) VALUES (:id, :url, :published, "
                    ":modified, :partition, :record_sha256, :content_sha256, :etag, "
                    ":last_modified, :fetched_at, :checked_at, :gone_at, :gone_status, "
                    ":modified_source) ON CONFLICT(id) DO UPDATE SET "
                    "url=excluded.url, published=excluded.published, modified=excluded.modified, "
                    "partition=excluded.partition, record_sha256=excluded.record_sha256, "
                    "content_sha256=excluded.content_sha256, etag=excluded.etag, "
                    "last_modified=excluded.last_modified, fetched_at=excluded.fetched_at, "
                    "checked_at=excluded.checked_at, gone_at=excluded.gone_at, "
                    "gone_status=excluded.gone_status, modified_source=excluded.modified_source",
                    {"gone_at": None, "gone_status": None, "etag": None,
                     "last_modified": None, "checked_at": None, "modified_source": None, **row},
                )
                for url in row.get("urls", [row["url"]]):
                    self.db.execute("INSERT OR REPLACE INTO urls (url, id) VALUES (?, ?)",
                                    (url, row["id"]))

    def add_alias(self, url: str, article_id: str) -> None:
        """``url`` now leads to the article ``article_id`` (a redirect): a later lookup of the
        URL finds that article."""
        self.db.execute("INSERT OR REPLACE INTO urls (url, id) VALUES (?, ?)", (url, article_id))

    def delete_missing(self, keep_ids: set[str]) -> None:
        """Drop rows for articles no longer in the archive files (used by repair)."""
        with self._transaction():
            for (article_id,) in self.db.execute("SELECT id FROM articles").fetchall():
                if article_id not in keep_ids:
                    self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                    self.db.execute("DELETE FROM urls WHERE id = ?", (article_id,))

    def touch(self, article_id: str, checked_at: str) -> None:
        self.db.execute("UPDATE articles SET checked_at = ? WHERE id = ?", (checked_at, article_id))

    def add_inflight(self, url: str, lastmod: str | None = None,
                     source: str | None = None) -> None:
        """Remember an article request until its outcome is recorded, with what discovery
        said of it (its ``lastmod`` is part of the record when the page states none)."""
        self.db.execute(
            "INSERT OR IGNORE INTO inflight (url, since, lastmod, source) VALUES (?, ?, ?, ?)",
            (url, utc_now(), lastmod, source))

    def done_inflight(self, url: str) -> None:
        self.db.execute("DELETE FROM inflight WHERE url = ?", (url,))

    def start_crawl(self) -> int:
        cursor = self.db.execute("INSERT INTO crawls (started_at) VALUES (?)", (utc_now(),))
        return int(cursor.lastrowid or 0)

    def finish_crawl(self, crawl_id: int, reason: str, summary: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE crawls SET finished_at = ?, finish_reason = ?, summary = ? WHERE id = ?",
            (utc_now(), reason, json.dumps(summary, sort_keys=True), crawl_id),
        )

    def conclude_crawl(self, crawl_id: int, reason: str, outcome: dict[str, Any]) -> None:
        """Set the crawl's final reason and add its verdict to its summary."""
        row = self.db.execute("SELECT summary FROM crawls WHERE id = ?", (crawl_id,)).fetchone()
        summary = {**json.loads(row[0] or "{}"), **outcome} if row else outcome
        self.db.execute("UPDATE crawls SET finish_reason = ?, summary = ? WHERE id = ?",
                        (reason, json.dumps(summary, sort_keys=True), crawl_id))

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
