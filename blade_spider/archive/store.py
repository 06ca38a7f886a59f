"""The JSON Lines archive on disk: partitions, history, manifest, journal and lock.

Layout (under ``output/`` by default)::

    articles/YYYY/YYYY-MM.jsonl   one record per article id, partitioned by publication month,
                                  sorted by (published, id)
    history/YYYY/YYYY-MM.jsonl    superseded versions: {"id", "superseded_at", "record"}
    manifest.json                 schema version, every file's record count and sha256, totals,
                                  the last crawl's summary
    rejects.jsonl, failures.jsonl what was refused or could not be fetched, and why
    state.sqlite3                 the index of what is archived (:mod:`blade_spider.archive.state`)
    .journal.jsonl                records scraped but not yet merged (replayed after a crash)
    .lock                         held by the one process writing the archive

Every archive file is replaced atomically (write to a temporary file in the same directory, fsync,
rename, fsync the directory), so a SIGKILL at any moment leaves each file either as it was or as
it should be, never half written; an append-only file (the journal, the failure and reject logs)
gets whole lines or nothing, even on a full disk. Records are serialised deterministically: the
same archive gives the same bytes.

The archive never writes through a symlink inside it (a link could send partitions or logs
outside the archive directory), never silently drops a damaged line of a partition (it stops and
names ``blade validate --repair``, which sets such lines aside), and knows which site it holds:
the manifest's ``site``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import heapq
import json
import logging
import os
import re
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from blade_spider import SCHEMA_VERSION
from blade_spider.archive.state import StateStore, utc_now
from blade_spider.urls import bare_host

logger = logging.getLogger(__name__)

ARTICLES_DIR = "articles"
HISTORY_DIR = "history"
#: The run log: one JSON line per crawl, what it did and changed (``blade changes``).
RUNS = "runs.jsonl"
MANIFEST = "manifest.json"
JOURNAL = ".journal.jsonl"
LOCK = ".lock"
STATE = "state.sqlite3"


class ArchiveError(RuntimeError):
    """The archive cannot be used safely as it is; the message says why and what to do."""


class ArchiveLocked(ArchiveError):
    """Another process is writing this archive."""


class UnsafePath(ArchiveError):
    """A path inside the archive is a symlink: writing through it could write outside."""


class DamagedFile(ArchiveError, ValueError):
    """A line of a partition or history file is not a record (torn or damaged)."""


class OtherSite(ArchiveError):
    """The archive holds another site's articles."""


#: What writing a record, a log line or the state can fail with when the disk or the archive
#: misbehaves (a full disk, a read-only mount, a symlink, a damaged file or database).
WRITE_ERRORS: tuple[type[BaseException], ...] = (ArchiveError, OSError, sqlite3.Error)


def write_problem(exc: BaseException, root: Path) -> str:
    """One line for people on why the archive at ``root`` could not be written, and what to do."""
    if isinstance(exc, ArchiveError):
        return str(exc)
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(exc, sqlite3.OperationalError) and "full" in str(exc))
    if full:
        return (f"the disk holding the archive {root} is full (No space left on device): "
                "stopped; free space there and run again (what this run scraped and did not "
                "archive is kept in the journal or fetched again)")
    if isinstance(exc, sqlite3.Error):
        return f"cannot use the archive's state {root / STATE}: {exc}"
    return f"cannot write the archive {root}: {exc}"


def dumps(record: dict[str, Any]) -> str:
    """One record as one JSON line: UTF-8 text, keys in the record's order, no spaces."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def record_sha256(record: dict[str, Any]) -> str:
    """Hash of what the article says (everything but crawl provenance): equal means unchanged."""
    content = {k: v for k, v in record.items() if k != "crawl"}
    return hashlib.sha256(dumps(content).encode("utf-8")).hexdigest()


_UMASK = os.umask(0)
os.umask(_UMASK)
_MONTH = re.compile(r"^(\d{4})-(\d{2})")


def partition_of(record: dict[str, Any]) -> str:
    """``articles/YYYY/YYYY-MM.jsonl`` from the publication date (site-local month).

    Only digits taken from the date reach the path, so nothing a page says can make the archive
    write outside its directory.
    """
    match = _MONTH.match(str(record.get("published") or ""))
    year, month = match.groups() if match else ("0000", "00")
    return f"{ARTICLES_DIR}/{year}/{year}-{month}.jsonl"


def sort_key(record: dict[str, Any]) -> tuple[str, str]:
    """Partition order: by publication instant (UTC), then id for ties."""
    published = record.get("published") or ""
    try:
        instant = datetime.fromisoformat(published).timestamp()
        key = f"{instant:020.3f}"
    except ValueError:
        key = published
    return key, str(record.get("id"))


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise UnsafePath(f"{path} is a symlink: refusing to write through it (it could write "
                         "outside the archive); replace it with a plain file or directory")


def atomic_write(path: Path, lines: Iterable[str]) -> str:
    """Write ``lines`` to ``path`` atomically; returns the file's sha256. A symlink at ``path``
    is refused, not replaced."""
    _refuse_symlink(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            for line in lines:
                data = (line + "\n").encode("utf-8")
                digest.update(data)
                tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o666 & ~_UMASK)  # mkstemp makes 0600; archives are shared
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_whole(fd: int, data: bytes) -> None:
    """Append all of ``data`` to ``fd`` (an ``O_APPEND`` descriptor) or none of it.

    A write the disk cannot finish (full, quota) is cut off where it started, so no torn line or
    record ever sits in an append-only file: the next append starts on a line boundary.
    """
    start = os.lseek(fd, 0, os.SEEK_END)
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        os.ftruncate(fd, start)
        raise


def append_line(path: Path, entry: dict[str, Any]) -> None:
    """Append one JSON line to ``path``: whole or not at all (:func:`write_whole`), never through
    a symlink (``O_NOFOLLOW``).

    A process killed mid-crawl cannot tear a line written this way either (the kernel finishes a
    write to a regular file before delivering the signal).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            _refuse_symlink(path)
        raise
    try:
        write_whole(fd, (dumps(entry) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def one_failure_per_url(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``failures.jsonl`` as one entry per URL and stage: the latest reason, and ``attempt``
    counting every run that failed on it (a URL failing again is not a second failure)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        key = (entry.get("url", ""), entry.get("stage", ""))
        earlier = latest.pop(key, None)
        attempt = (earlier.get("attempt", 1) + 1) if earlier else entry.get("attempt", 1)
        latest[key] = {**entry, "attempt": attempt}
    return list(latest.values())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Entries of an append-only JSON Lines log (missing file: empty list). A line that is not a
    JSON object (a torn tail) is skipped with a warning that says where."""
    entries = []
    for number, _, value in numbered_lines(path):
        if isinstance(value, dict):
            entries.append(value)
        else:
            logger.warning("Skipping a torn or damaged line: %s:%d", path, number)
    return entries


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes, Any]]:
    """``(line number, line, JSON value or None when it is not JSON)`` of each non-blank line."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                try:
                    yield number, raw, json.loads(raw)
                except ValueError:  # not JSON, or not UTF-8
                    yield number, raw, None


def record_lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(line, record)`` of a partition or history file; a line that is not a record raises
    :class:`DamagedFile` (it is never dropped silently: a rewrite would lose it)."""
    for number, raw, value in numbered_lines(path):
        if not isinstance(value, dict):
            raise DamagedFile(
                f"{path} line {number} is not a valid record (torn or damaged): run "
                f"`blade validate --repair --output {path.parent.parent.parent}` to set it "
                "aside in damaged.jsonl, then run again")
        yield raw.decode("utf-8").rstrip("\n"), value


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a partition or history file (see :func:`record_lines`)."""
    return (record for _, record in record_lines(path))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _OutOfOrder(Exception):
    """A partition on disk is not in partition order (so it cannot be merged as a stream)."""


@dataclass
class MergeResult:
    """What a merge did, by article id (``changes``: the fields each updated article changed)."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "gone": len(self.gone)}


def state_row(record: dict[str, Any], partition: str, digest: str, now: str) -> dict[str, Any]:
    """What the state store keeps of a record just fetched (its validators for next time)."""
    crawl = record.get("crawl") or {}
    urls = {record["url"]} | ({crawl["request_url"]} if crawl.get("request_url") else set())
    return {
        "id": record["id"], "url": record["url"], "published": record.get("published"),
        "modified": record.get("modified"), "partition": partition, "record_sha256": digest,
        "content_sha256": crawl.get("content_sha256"), "fetched_at": crawl.get("fetched_at"),
        "checked_at": now, "gone_at": crawl.get("gone_at"), "gone_status": crawl.get("gone_status"),
        "etag": crawl.get("etag"), "last_modified": crawl.get("last_modified"),
        "modified_source": (crawl.get("parser_layers") or {}).get("modified"),
        "urls": sorted(urls),
    }


class Archive:
    """Reads and writes one archive directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock_handle: IO[str] | None = None
        #: Partitions rewritten since the manifest was last written (None: file removed).
        self.file_changes: dict[str, dict[str, Any] | None] = {}
        #: Re-read every partition for the next manifest (a run stopped before writing it).
        self.rescan = False
        #: The site a crawl writing here is of (:meth:`claim_site`), for a new manifest.
        self.site_claim: dict[str, Any] | None = None

    def path(self, relative: str) -> Path:
        """``root/relative``; raises :class:`UnsafePath` if it would leave the archive (``..``,
        an absolute path: a damaged state row) or a part of it inside the archive is a symlink
        (the root itself may be one)."""
        parts = Path(relative).parts
        if Path(relative).is_absolute() or ".." in parts:
            raise UnsafePath(f"{relative!r} is not a path inside the archive {self.root}")
        current = self.root
        for part in parts:
            current = current / part
            _refuse_symlink(current)
        return current

    # --- lock ------------------------------------------------------------------------------

    def lock(self) -> None:
        """Take the archive's exclusive lock or raise :class:`ArchiveLocked` at once."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path(LOCK)
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                                   0o644), "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ArchiveLocked(
                f"the archive {self.root} is being written by {holder}; "
                "wait for that crawl to finish (runs must not overlap)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {utc_now()}\n")
        handle.flush()
        self._lock_handle = handle

    def unlock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    # --- journal ---------------------------------------------------------------------------

    def journal_append(self, entry: dict[str, Any]) -> None:
        """Append one scraped entry; handed to the OS at once so a killed process keeps it."""
        append_line(self.path(JOURNAL), entry)

    def journal_entries(self) -> list[dict[str, Any]]:
        """Entries of an unfinished run; a torn line is skipped with a warning."""
        return read_jsonl(self.path(JOURNAL))

    def journal_clear(self) -> None:
        self.path(JOURNAL).unlink(missing_ok=True)

    # --- records ---------------------------------------------------------------------------

    def partitions(self) -> list[str]:
        base = self.path(ARTICLES_DIR)
        if not base.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.glob("*/*.jsonl"))

    def read_partition(self, relative: str) -> list[dict[str, Any]]:
        return list(self.iter_partition(relative))

    def iter_partition(self, relative: str) -> Iterator[dict[str, Any]]:
        """A partition's records one by one (a missing partition has none; a damaged line
        raises :class:`DamagedFile`)."""
        return read_records(self.path(relative))

    def iter_records(self) -> Iterator[dict[str, Any]]:
        for relative in self.partitions():
            yield from self.iter_partition(relative)

    def write_partition(self, relative: str, records: list[dict[str, Any]]) -> str | None:
        """Replace a partition (sorted); an emptied partition is removed. Returns its sha256."""
        path = self.path(relative)
        if not records:
            path.unlink(missing_ok=True)
            return None
        return atomic_write(path, (dumps(r) for r in sorted(records, key=sort_key)))

    def rewrite_partition(self, relative: str, drop: set[str],
                          add: list[dict[str, Any]]) -> tuple[int, str | None]:
        """Rewrite a partition without the records whose ids are in ``drop`` and with ``add``,
        in partition order; returns the record count and sha256 (``None``: emptied, removed).

        The partition on disk is already in partition order, so its lines are streamed through a
        merge with the sorted additions and copied byte for byte: memory holds one line, not the
        month (a busy month of a large archive is megabytes of records). A partition found out
        of order (edited by hand) is sorted in memory instead.
        """
        path = self.path(relative)
        added = sorted(((sort_key(r), dumps(r)) for r in add), key=lambda pair: pair[0])
        written = [0]

        def counted(lines: Iterable[str]) -> Iterator[str]:
            for line in lines:
                written[0] += 1
                yield line

        try:
            merged = heapq.merge(self._kept_lines(relative, drop), added,
                                 key=lambda pair: pair[0])
            digest = atomic_write(path, counted(line for _, line in merged))
        except _OutOfOrder:
            rows = [row for row in self.iter_partition(relative) if row["id"] not in drop]
            digest = self.write_partition(relative, rows + add)
            return len(rows) + len(add), digest
        if not written[0]:
            path.unlink(missing_ok=True)
            return 0, None
        return written[0], digest

    def _kept_lines(self, relative: str, drop: set[str]) -> Iterator[tuple[Any, str]]:
        """``(sort key, line)`` of a partition's records not in ``drop``, checking the order."""
        last = None
        for line, record in record_lines(self.path(relative)):
            key = sort_key(record)
            if last is not None and key < last:
                raise _OutOfOrder(relative)
            last = key
            if record["id"] not in drop:
                yield key, line

    def add_history(self, superseded: list[dict[str, Any]]) -> None:
        """Keep superseded versions; idempotent, so replaying a journal never doubles them."""
        by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in superseded:
            month = partition_of(entry["record"]).replace(ARTICLES_DIR, HISTORY_DIR, 1)
            by_file[month].append(entry)
        for relative, entries in by_file.items():
            existing = list(read_records(self.path(relative)))
            seen = {(e["id"], record_sha256(e["record"])) for e in existing}
            for entry in entries:
                key = (entry["id"], record_sha256(entry["record"]))
                if key not in seen:
                    existing.append(entry)
                    seen.add(key)
            existing.sort(key=lambda e: (e["id"], e["superseded_at"]))
            atomic_write(self.path(relative), (dumps(e) for e in existing))

    def history_of(self, article_id: str) -> list[dict[str, Any]]:
        base = self.path(HISTORY_DIR)
        found = []
        for path in sorted(base.glob("*/*.jsonl")) if base.exists() else []:
            found += [e for e in read_records(path) if e["id"] == article_id]
        return sorted(found, key=lambda e: e["superseded_at"])

    # --- merge -----------------------------------------------------------------------------

    def merge(self, records: list[dict[str, Any]], state: StateStore) -> MergeResult:
        """Put ``records`` into the archive: new ones added, changed ones replaced (the old
        version to history), unchanged ones left alone; then record them in the state.

        Partitions are read and rewritten one at a time (memory holds the batch and one month,
        never the archive), and a partition whose content does not change is not rewritten.
        """
        result = MergeResult()
        latest = {record["id"]: record for record in records}  # a later fetch wins
        target = {article_id: partition_of(record) for article_id, record in latest.items()}
        homes: dict[str, set[str]] = defaultdict(set)  # partition → batch ids it may hold
        for article_id in latest:
            homes[target[article_id]].add(article_id)
            known = state.get(article_id)
            if known is not None:
                homes[known.partition].add(article_id)
        previous: dict[str, dict[str, Any]] = {}
        found_in: dict[str, set[str]] = defaultdict(set)
        for relative, ids in homes.items():
            for row in self.iter_partition(relative):
                if row["id"] in ids:
                    previous[row["id"]] = row
                    found_in[row["id"]].add(relative)

        final, superseded, state_rows = {}, [], []
        now = utc_now()
        for article_id, incoming in latest.items():
            old = previous.get(article_id)
            digest = record_sha256(incoming)
            revived = old is not None and bool(old["crawl"].get("gone_at"))
            if old is not None and record_sha256(old) == digest and not revived:
                final[article_id] = old  # unchanged: keep the stored bytes (and provenance)
                result.unchanged.append(article_id)
            else:
                final[article_id] = incoming
                if old is None:
                    result.new.append(article_id)
                else:
                    superseded.append({"id": article_id, "superseded_at": now, "record": old})
                    result.updated.append(article_id)
                    result.changes[article_id] = changed_fields(old, incoming)
            state_rows.append(state_row(incoming, target[article_id], digest, now))
        if superseded:
            self.add_history(superseded)

        unchanged = set(result.unchanged)
        for relative in sorted(homes):
            stays = all(
                (target[i] == relative and i in unchanged and found_in[i] == {relative})
                or (target[i] != relative and relative not in found_in[i])
                for i in homes[relative])
            if stays:
                continue
            count, digest = self.rewrite_partition(
                relative, set(latest), [final[i] for i in homes[relative] if target[i] == relative])
            self.file_changes[relative] = {"records": count, "sha256": digest} if digest else None
        state.upsert_many(state_rows)
        return result

    def mark_gone(self, article_id: str, status: int, seen_at: str, state: StateStore,
                  moved_to: str | None = None) -> bool:
        """Flag an archived article that now answers 404/410, or redirects to the other
        article ``moved_to`` (never delete it)."""
        known = state.get(article_id)
        if known is None:
            return False
        rows = self.read_partition(known.partition)
        for row in rows:
            if row["id"] == article_id and not row["crawl"].get("gone_at"):
                row["crawl"]["gone_at"] = seen_at
                row["crawl"]["gone_status"] = status
                if moved_to:
                    row["crawl"]["moved_to"] = moved_to
                digest = self.write_partition(known.partition, rows)
                self.file_changes[known.partition] = {"records": len(rows), "sha256": digest}
                state.db.execute("UPDATE articles SET gone_at = ?, gone_status = ? WHERE id = ?",
                                 (seen_at, status, article_id))
                return True
        return False

    # --- manifest --------------------------------------------------------------------------

    def scan_files(self) -> dict[str, dict[str, Any]]:
        """Record count and sha256 of every partition, read from disk (repair, validation)."""
        files = {}
        for relative in self.partitions():
            path = self.path(relative)
            with path.open(encoding="utf-8") as handle:
                count = sum(1 for line in handle if line.strip())
            files[relative] = {"records": count, "sha256": file_sha256(path)}
        return files

    def build_manifest(
        self, last_crawl: dict[str, Any] | None = None, rescan: bool = False
    ) -> dict[str, Any]:
        """The manifest: the previous one updated with the partitions rewritten since (or every
        file re-read when ``rescan``, when there is no valid one, or when :attr:`rescan` says a
        run stopped before its manifest was written), the totals, the site the archive holds
        and the last crawl's summary."""
        previous = self.read_manifest() or {}
        if rescan or self.rescan or not previous:
            files = self.scan_files()
        else:
            files = dict(previous.get("files", {}))
            for relative, entry in self.file_changes.items():
                if entry is None:
                    files.pop(relative, None)
                else:
                    files[relative] = entry
        years = sorted(relative.split("/")[1] for relative in files)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "articles": sum(entry["records"] for entry in files.values()),
            "years": [years[0], years[-1]] if years else [],
            "files": dict(sorted(files.items())),
            "last_crawl": last_crawl if last_crawl is not None else previous.get("last_crawl"),
        }
        site = previous.get("site") or self.site_claim
        return {**manifest, "site": site} if site else manifest

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when there is none or it is not a valid one (garbage, torn, the
        wrong shape: a warning says so, and the next write rebuilds it from the partitions)."""
        path = self.path(MANIFEST)
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_bytes())
        except ValueError:
            manifest = None
        problem = manifest_problem(manifest)
        if problem:
            logger.warning("%s is not a valid manifest (%s): it is rebuilt from the partitions "
                           "when the archive is next written", path, problem)
            return None
        return manifest

    # --- site ------------------------------------------------------------------------------

    def site(self) -> dict[str, Any] | None:
        """The site this archive holds: the manifest's ``site``, or for an archive written
        before the manifest recorded it, the host of its first record."""
        manifest = self.read_manifest() or {}
        if manifest.get("site"):
            return dict(manifest["site"])
        for relative in self.partitions():
            for record in self.iter_partition(relative):
                if isinstance(record.get("url"), str):
                    parts = urlsplit(record["url"])
                    return {"base_url": f"{parts.scheme}://{parts.netloc}", "aliases": []}
        return None

    def claim_site(self, base_url: str, aliases: Iterable[str], allow_other: bool) -> None:
        """Check that a crawl of ``base_url`` may write here; the manifest records the site the
        archive was first made from. Raises :class:`OtherSite` for another site's crawl unless
        ``allow_other`` (``BLADE_ALLOW_OTHER_SITE``)."""
        held = self.site()
        self.site_claim = held or {"base_url": base_url, "aliases": sorted(aliases)}
        if held is None or allow_other:
            return
        if bare_host(urlsplit(held["base_url"]).hostname) != bare_host(urlsplit(base_url).hostname):
            raise OtherSite(
                f"the archive {self.root} holds articles of {held['base_url']}, not of "
                f"{base_url}: crawl into another directory (--output / -s BLADE_OUTPUT_DIR), "
                "or mix the sites on purpose with -s BLADE_ALLOW_OTHER_SITE=True")

    def write_manifest(
        self, last_crawl: dict[str, Any] | None = None, rescan: bool = False
    ) -> dict[str, Any]:
        manifest = self.build_manifest(last_crawl, rescan)
        atomic_write(self.path(MANIFEST),
                     [json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)])
        self.file_changes.clear()
        self.rescan = False  # the manifest now agrees with the files
        return manifest


def manifest_problem(manifest: Any) -> str | None:
    """What makes ``manifest`` (parsed JSON) not a valid manifest, or None."""
    if not isinstance(manifest, dict):
        return "not a JSON object"
    files = manifest.get("files")
    if not isinstance(files, dict):
        return "no files"
    for relative, entry in files.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("records"), int)
                and isinstance(entry.get("sha256"), str)):
            return f"a bad entry for {relative}"
    site = manifest.get("site")
    if site is not None and not (isinstance(site, dict) and isinstance(site.get("base_url"), str)):
        return "a bad site"
    return None


def changed_fields(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Record fields whose value differs (provenance aside)."""
    if old is None:
        return []
    return [k for k in new if k != "crawl" and old.get(k) != new.get(k)]
