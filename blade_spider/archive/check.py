"""``blade validate``: check that the archive is what its contract and manifest say, and repair
what can be rebuilt.

Checked: every line of every partition (and of ``history/``) is valid JSON; every record passes
the JSON Schema; each article id appears once across all partitions; each record sits in the
partition of its publication month and partitions are sorted by publication time; the manifest
exists and its per-file record counts, checksums and total match the files; ``state.sqlite3``
has exactly the archived ids, each with the partition its record is in.

Repair treats the record files as the truth and never throws a record away: a duplicate id keeps
the copy fetched last (``crawl.fetched_at``) and the other copies go to ``history/`` like any
superseded version; misplaced records are moved and partitions re-sorted with atomic rewrites
(destinations written before sources, so a crash mid-repair duplicates rather than loses); a line
that is not valid JSON cannot be a record, and is set aside verbatim in ``damaged.jsonl`` with its
file and line number. The manifest and the state rows are then re-derived from the files. A
schema violation cannot be repaired without re-fetching the article, so it is only reported.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from blade_spider import SCHEMA_VERSION
from blade_spider.archive.state import StateStore, utc_now
from blade_spider.archive.store import (
    HISTORY_DIR,
    MANIFEST,
    STATE,
    Archive,
    append_line,
    atomic_write,
    dumps,
    numbered_lines,
    partition_of,
    record_sha256,
    sort_key,
    state_row,
)
from blade_spider.record.schema import schema_errors

#: Where repair sets aside lines that are not valid JSON (one entry per line, never rewritten).
DAMAGED = "damaged.jsonl"
#: Problem kinds, in report order. Only ``schema`` is beyond repair.
KINDS = ("json", "schema", "duplicate", "misplaced", "unsorted", "manifest", "state")
_URL = re.compile(r'"url"\s*:\s*"(https?://[^"]+)"')
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Problem:
    """One way the archive is wrong: its kind (see ``KINDS``), where, and what is wrong."""

    kind: str
    where: str
    detail: str

    @property
    def repairable(self) -> bool:
        return self.kind != "schema"

    def __str__(self) -> str:
        return f"{self.kind:<9}  {self.where}: {self.detail}"


@dataclass
class Report:
    """The outcome of :func:`validate_archive`.

    ``problems`` is what is wrong now (after repair, when repairing); ``found`` what was wrong
    before any repair; ``repairs`` what the repair did.
    """

    root: Path
    records: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    found: list[Problem] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self, limit: int = 20) -> str:
        """The report for people: problems grouped by kind (at most ``limit`` of each)."""
        lines = [f"Archive {self.root}: {self.records} records in {self.files} partitions"]
        if self.repaired and self.found:
            lines += [f"Found {_count(self.found)}:", *_listing(self.found, limit), "Repaired:"]
            lines += [f"  - {action}" for action in self.repairs
                      or ["nothing: no repairable problem"]]
            lines.append(f"Remaining: {_count(self.problems)}" + (":" if self.problems else "."))
        elif self.problems:
            lines.append(f"{_count(self.problems)}:")
        lines += _listing(self.problems, limit)
        if self.ok:
            lines.append("The archive is valid.")
        elif not self.repaired and any(p.repairable for p in self.problems):
            lines.append("Run `blade validate --repair` to rebuild what can be rebuilt from the "
                         "record files (everything but schema violations).")
        elif all(p.kind == "schema" for p in self.problems):
            lines.append("Schema violations need the article re-fetched (`blade fetch URL`) or "
                         "the record corrected by hand.")
        else:
            lines.append("Problems remain after the repair: the archive may have changed while "
                         "it ran; run `blade validate --repair` again.")
        return "\n".join(lines)


def _count(problems: list[Problem]) -> str:
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"


def _listing(problems: list[Problem], limit: int) -> list[str]:
    lines = []
    for kind in KINDS:
        of_kind = [p for p in problems if p.kind == kind]
        lines += [f"  {p}" for p in of_kind[:limit]]
        if len(of_kind) > limit:
            lines.append(f"  {kind:<9}  ... and {len(of_kind) - limit} more")
    return lines


# --- reading ------------------------------------------------------------------------------------

def read_lines(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """``(line number, object)`` of every JSON-object line of ``path``, and ``(line number,
    text)`` of every other non-blank line (torn, not UTF-8, or JSON but not an object)."""
    good: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str]] = []
    for number, raw, value in numbered_lines(path):
        if isinstance(value, dict):
            good.append((number, value))
        else:
            bad.append((number, raw.rstrip(b"\n").decode("utf-8", errors="replace")))
    return good, bad


def home_partition(record: dict[str, Any]) -> str | None:
    """The partition ``record`` belongs in, or None when its ``published`` cannot say."""
    published = record.get("published")
    if not isinstance(published, str):
        return None
    try:
        datetime.fromisoformat(published)
    except ValueError:
        return None
    return partition_of(record)


def fetched_at(record: dict[str, Any]) -> datetime:
    """When the record was fetched (the oldest possible time when it does not say)."""
    try:
        when = datetime.fromisoformat(record["crawl"]["fetched_at"])
    except (KeyError, TypeError, ValueError):
        return _EPOCH
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _history_files(archive: Archive) -> list[str]:
    base = archive.path(HISTORY_DIR)
    return sorted(str(p.relative_to(archive.root)) for p in base.glob("*/*.jsonl"))


# --- checking -----------------------------------------------------------------------------------

@dataclass
class _Scan:
    """One pass over the files: the problems, and what a repair needs to know."""

    problems: list[Problem] = field(default_factory=list)
    records: int = 0
    files: int = 0
    #: id → every (partition, line number) holding it
    ids: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    #: partitions a repair must rewrite (damaged lines, misplaced, unsorted, duplicates)
    rewrite: set[str] = field(default_factory=set)
    #: history files with damaged lines
    damaged_history: set[str] = field(default_factory=set)

    def add(self, kind: str, where: str, detail: str) -> None:
        self.problems.append(Problem(kind, where, detail))


def _scan(archive: Archive) -> _Scan:
    scan = _Scan()
    for relative in archive.partitions():
        scan.files += 1
        good, bad = read_lines(archive.path(relative))
        for number, _ in bad:
            scan.add("json", f"{relative}:{number}", "not a valid JSON object (torn or damaged)")
            scan.rewrite.add(relative)
        keys = []
        for number, record in good:
            scan.records += 1
            where = f"{relative}:{number}"
            errors = schema_errors(record)
            if errors:
                scan.add("schema", where, f"{record.get('id')}: {'; '.join(errors[:3])}"
                         + (f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""))
            if isinstance(record.get("id"), str):
                scan.ids[record["id"]].append((relative, number))
            home = home_partition(record)
            if home is not None and home != relative:
                scan.add("misplaced", where, f"{record.get('id')} published {record['published']} "
                                             f"belongs in {home}")
                scan.rewrite |= {relative, home}
            if isinstance(record.get("published"), str):
                keys.append(sort_key(record))
        if keys != sorted(keys):
            scan.add("unsorted", relative, "records are not in publication order")
            scan.rewrite.add(relative)
    for article_id, places in scan.ids.items():
        if len(places) > 1:
            scan.add("duplicate", article_id,
                     "in " + ", ".join(f"{relative}:{number}" for relative, number in places))
            scan.rewrite |= {relative for relative, _ in places}
    for relative in _history_files(archive):
        for number, _ in read_lines(archive.path(relative))[1]:
            scan.add("json", f"{relative}:{number}", "not a valid JSON object (torn or damaged)")
            scan.damaged_history.add(relative)
    _check_manifest(archive, scan)
    _check_state(archive, scan)
    return scan


def _check_manifest(archive: Archive, scan: _Scan) -> None:
    if not archive.path(MANIFEST).exists():
        scan.add("manifest", MANIFEST, "missing")
        return
    manifest = archive.read_manifest()
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        scan.add("manifest", MANIFEST, "not a valid manifest (unreadable JSON or no files)")
        return
    try:
        actual = archive.scan_files()
    except UnicodeDecodeError:
        scan.add("manifest", MANIFEST, "cannot be compared with files that are not UTF-8 "
                                       "(repair their damaged lines first)")
        return
    listed = manifest["files"]
    for relative in sorted(set(listed) | set(actual)):
        entry, real = listed.get(relative), actual.get(relative)
        if entry is None:
            scan.add("manifest", relative, "on disk but not in the manifest")
        elif real is None:
            scan.add("manifest", relative, "in the manifest but not on disk")
        elif not isinstance(entry, dict) or (entry.get("records"), entry.get("sha256")) != (
                real["records"], real["sha256"]):
            said = entry if isinstance(entry, dict) else {}
            scan.add("manifest", relative,
                     f"manifest says {said.get('records')} records, sha256 "
                     f"{str(said.get('sha256'))[:12]}…; the file has {real['records']}, "
                     f"{real['sha256'][:12]}…")
    total = sum(entry["records"] for entry in actual.values())
    if manifest.get("articles") != total:
        scan.add("manifest", MANIFEST,
                 f"total says {manifest.get('articles')} articles, the files hold {total}")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        scan.add("manifest", MANIFEST, f"schema_version {manifest.get('schema_version')}, "
                                       f"expected {SCHEMA_VERSION}")


def manifest_problems(archive: Archive) -> list[Problem]:
    """How the manifest disagrees with the partitions (missing, damaged, out of date)."""
    scan = _Scan()
    _check_manifest(archive, scan)
    return scan.problems


def _check_state(archive: Archive, scan: _Scan) -> None:
    if not archive.path(STATE).exists():
        scan.add("state", STATE, "missing")
        return
    try:
        store = StateStore(archive.path(STATE))
        try:
            store.verify()
            rows = {row.id: row.partition for row in store.all()}
        finally:
            store.close()
    except sqlite3.DatabaseError as exc:
        scan.add("state", STATE, f"not a readable SQLite database ({exc})")
        return
    for article_id in sorted(scan.ids.keys() - rows.keys()):
        scan.add("state", article_id, f"in {scan.ids[article_id][0][0]} but has no state row")
    for article_id in sorted(rows.keys() - scan.ids.keys()):
        scan.add("state", article_id, f"state row points to {rows[article_id]}, "
                                      "but no partition holds it")
    for article_id in sorted(rows.keys() & scan.ids.keys()):
        homes = {relative for relative, _ in scan.ids[article_id]}
        if rows[article_id] not in homes:
            scan.add("state", article_id, f"state row says {rows[article_id]}, the record is in "
                                          f"{', '.join(sorted(homes))}")


# --- repairing ----------------------------------------------------------------------------------

def _set_aside(archive: Archive, relative: str, bad: list[tuple[int, str]], now: str) -> None:
    """Keep lines that are not records in ``damaged.jsonl`` before their file is rewritten."""
    for number, text in bad:
        url = _URL.search(text)
        append_line(archive.path(DAMAGED), {"file": relative, "line": number,
                                            "url": url.group(1) if url else None,
                                            "text": text, "saved_at": now})


def _repair_partitions(archive: Archive, scan: _Scan, now: str) -> list[str]:
    """Rewrite the partitions the scan named: damaged lines out, one copy per id, each record in
    its publication month, sorted."""
    loaded: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    damaged = 0
    for relative in sorted(scan.rewrite):
        good, bad = read_lines(archive.path(relative))
        _set_aside(archive, relative, bad, now)
        loaded[relative] = good
        damaged += len(bad)
    placed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    copies: dict[str, list[tuple[str, int, dict[str, Any]]]] = defaultdict(list)
    for relative, entries in loaded.items():
        for number, record in entries:
            if isinstance(record.get("id"), str):
                copies[record["id"]].append((relative, number, record))
            else:  # no id: nothing to deduplicate or move it by; it stays where it is
                placed[relative].append(record)
    superseded, moved, gainers = [], 0, set()
    for article_id, versions in copies.items():
        origin, number, winner = max(versions, key=lambda v: (fetched_at(v[2]), v[0], v[1]))
        home = home_partition(winner) or origin
        if home not in loaded:  # the scan adds every destination; the files changed since
            raise RuntimeError(f"{home} changed during the repair; run it again")
        placed[home].append(winner)
        if home != origin:
            moved += 1
            gainers.add(home)
        superseded += [{"id": article_id, "superseded_at": now, "record": record}
                       for _, _, record in versions
                       if record is not winner and dumps(record) != dumps(winner)]
    if superseded:
        archive.add_history(superseded)
    for relative in sorted(loaded, key=lambda r: (r not in gainers, r)):
        archive.write_partition(relative, placed.get(relative, []))
    dropped = sum(len(v) - 1 for v in copies.values())
    actions = []
    if damaged:
        actions.append(f"set aside {damaged} damaged line(s) in {DAMAGED} (with the article URL "
                       "when legible: re-fetch it with `blade fetch URL`)")
    if dropped:
        actions.append(f"kept the last-fetched copy of each duplicated id: {len(superseded)} "
                       f"older version(s) moved to {HISTORY_DIR}/, "
                       f"{dropped - len(superseded)} identical copy(ies) dropped")
    if moved:
        actions.append(f"moved {moved} record(s) to the partition of their publication month")
    actions.append(f"rewrote {len(loaded)} partition(s) sorted by publication time")
    return actions


def _repair_history(archive: Archive, relative: str, now: str) -> str:
    good, bad = read_lines(archive.path(relative))
    _set_aside(archive, relative, bad, now)
    atomic_write(archive.path(relative), (dumps(entry) for _, entry in good))
    return f"set aside {len(bad)} damaged line(s) of {relative} in {DAMAGED}"


def open_state(archive: Archive, now: str) -> tuple[StateStore, str | None]:
    """The state store; an unreadable one is moved aside (kept) and a new one started."""
    path = archive.path(STATE)
    try:
        store = StateStore(path)
        try:
            store.verify()
        except sqlite3.DatabaseError:
            store.close()
            raise
        return store, None
    except sqlite3.DatabaseError:
        aside = path.with_name(f"{STATE}.damaged-{now.replace(':', '')}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            path.with_name(STATE + suffix).unlink(missing_ok=True)
        return StateStore(path), f"moved the unreadable {STATE} to {aside.name}"


def rederive_state(archive: Archive, now: str) -> list[str]:
    """Make the state rows agree with the files: a row for every archived id (rewritten only
    where it disagrees, so fresher validators are kept), none for ids no file holds. A damaged
    database is moved aside and rebuilt (what the crawl does when it finds one). Returns what
    was done."""
    store, note = open_state(archive, now)
    try:
        known = {row.id: row for row in store.all()}
        rows, ids = [], set()
        for relative in archive.partitions():
            for record in archive.read_partition(relative):
                if not (isinstance(record.get("id"), str) and isinstance(record.get("url"), str)):
                    continue
                ids.add(record["id"])
                digest = record_sha256(record)
                old = known.get(record["id"])
                if old and old.partition == relative and old.record_sha256 == digest:
                    continue
                row = state_row(record, relative, digest, now)
                row["checked_at"] = old.checked_at if old and old.checked_at else now
                rows.append(row)
        store.upsert_many(rows)
        store.delete_missing(ids)
    finally:
        store.close()
    removed = len(known.keys() - ids)
    return ([note] if note else []) + [
        f"{STATE}: {len(rows)} row(s) re-derived from the files, {removed} row(s) of "
        "articles no file holds removed"]


def _repair(archive: Archive, scan: _Scan) -> list[str]:
    now = utc_now()
    kinds = {p.kind for p in scan.problems}
    actions = _repair_partitions(archive, scan, now) if scan.rewrite else []
    actions += [_repair_history(archive, r, now) for r in sorted(scan.damaged_history)]
    if scan.rewrite or "manifest" in kinds:
        archive.write_manifest(rescan=True)
        actions.append(f"rewrote {MANIFEST} from the files (the last crawl's summary kept)")
    if scan.rewrite or "state" in kinds:
        actions += rederive_state(archive, now)
    return actions


def validate_archive(path: str | Path = "output", repair: bool = False) -> Report:
    """Check the archive at ``path`` and, with ``repair``, rebuild what can be rebuilt.

    Repair takes the archive's lock (raises :class:`blade_spider.archive.store.ArchiveLocked`
    while a crawl runs) and re-checks afterwards: the report's ``problems`` are what remains. A
    plain check takes no lock, so one made while a crawl is merging may see the manifest a
    moment behind the files.
    """
    archive = Archive(path)
    if not archive.root.is_dir():
        raise FileNotFoundError(f"no archive at {archive.root}")
    report = Report(root=archive.root, repaired=repair)
    if repair:
        archive.lock()
    try:
        scan = _scan(archive)
        report.found = scan.problems
        if repair and scan.problems:
            report.repairs = _repair(archive, scan)
            scan = _scan(archive)
    finally:
        archive.unlock()
    report.problems, report.records, report.files = scan.problems, scan.records, scan.files
    return report
