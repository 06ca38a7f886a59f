"""The archive as normalised tables: one row per article, and one per author, comment, photo,
category, tag and earlier version of an article.

Nested lists are what make JSON Lines awkward in SQL, spreadsheets and data frames (a comment
is inside an article, an author inside a list); here each becomes a row of its own table keyed
by ``article_id``, so "comments per month" or "articles by this author" is a plain join. The
same tables feed every tabular export (SQLite with full-text search, Parquet, CSV): one
definition, :data:`TABLES`, names their columns, types, keys and descriptions.

Descriptions of record fields come from the record's JSON Schema, so a database browser shows
the same words as ``output/schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blade_spider.archive.store import HISTORY_DIR, Archive, dumps, read_jsonl
from blade_spider.record.schema import article_schema


@dataclass(frozen=True)
class Column:
    name: str
    type: type  # str, int or bool: what SQLite, Arrow and CSV each make of it
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


#: The record's fields as the JSON Schema describes them.
FIELDS: dict[str, Any] = article_schema()["properties"]


def _field(name: str, kind: type = str) -> Column:
    """A column holding a record field, described as the JSON Schema describes the field."""
    return Column(name, kind, FIELDS[name].get("description", ""))


def _json(name: str) -> Column:
    """A column holding a list or object field as JSON text."""
    return Column(name, str, f"{_field(name).description} (JSON)".lstrip())


ARTICLE_ID = Column("article_id", str, "the article's `id` (articles.id)")
POSITION = Column("position", int, "order in the article, from 0")

#: Every table, in the order an export writes them; ``articles`` first (the others refer to it).
TABLES: dict[str, Table] = {table.name: table for table in (
    Table("articles", "One row per article: the record's scalar fields, its lists as JSON.", (
        _field("id"), _field("wp_post_id", int), _field("url"), _field("headline"),
        _field("subheadline"), _field("published"), _field("modified"),
        _field("published_raw"), _field("section"),
        Column("year", int, "year of publication in New York (from `published`)"),
        Column("month", str, "month of publication in New York, YYYY-MM"),
        _field("body"), _field("photo_caption"), _field("photo_credit"),
        _field("comment_count", int), _field("language"), _json("authors"),
        _json("categories"), _json("tags"), _json("body_blocks"), _json("images"),
        _json("comments"), _json("crawl"), _field("schema_version", int),
    ), ("id",)),
    Table("authors", "One row per byline name of an article.", (
        ARTICLE_ID, POSITION, Column("name", str, "the name as printed in the byline"),
    ), ("article_id", "position")),
    Table("comments", "One row per reader comment printed in an article's page.", (
        Column("id", str, "the comment's id on the site (comment-N)"), ARTICLE_ID,
        Column("parent_id", str, "id of the comment replied to; null at top level"),
        Column("author", str, "the commenter's name as shown"),
        Column("published", str, "ISO 8601 time of the comment, New York offset"),
        Column("text", str, "the comment's text, paragraphs joined by a blank line"),
    ), ("article_id", "id")),
    Table("images", "One row per article photo, the lead photo first.", (
        ARTICLE_ID, POSITION, Column("url", str, "absolute URL of the photo"),
        Column("alt", str, "alt text"), Column("caption", str, "the caption as shown"),
        Column("credit", str, "the photo credit alone"),
        Column("featured", bool, "true for the lead photo"),
    ), ("article_id", "position")),
    Table("categories", "One row per category of an article, in page order.", (
        ARTICLE_ID, POSITION, Column("name", str, "category name as the site gives it"),
    ), ("article_id", "position")),
    Table("tags", "One row per tag of an article, in page order.", (
        ARTICLE_ID, POSITION, Column("name", str, "tag as the site gives it"),
    ), ("article_id", "position")),
    Table("history", "Earlier versions of articles whose content changed (output/history/).", (
        ARTICLE_ID, Column("superseded_at", str, "UTC time this version was replaced"),
        Column("headline", str, "the headline of this version"),
        Column("fetched_at", str, "when this version was fetched (UTC)"),
        Column("record", str, "the whole earlier record (JSON)"),
    ), ("article_id", "superseded_at")),
)}
#: Tables that hang off ``articles`` through ``article_id``.
CHILD_TABLES = tuple(name for name in TABLES if name != "articles")


def article_row(record: dict[str, Any]) -> dict[str, Any]:
    """The ``articles`` row of a record: scalars as they are, lists and objects as JSON."""
    published = str(record.get("published") or "")
    row = {}
    for column in TABLES["articles"].columns:
        if column.name == "year":
            row["year"] = int(published[:4]) if published[:4].isdigit() else None
        elif column.name == "month":
            row["month"] = published[:7] or None
        else:
            value = record.get(column.name)
            row[column.name] = dumps(value) if isinstance(value, (list, dict)) else value  # type: ignore[arg-type]
    return row


def child_rows(table: str, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of ``table`` (not ``articles`` or ``history``) that one record gives."""
    article_id = record["id"]
    if table == "comments":
        for comment in record.get("comments") or ():
            yield {"id": comment["id"], "article_id": article_id,
                   **{k: comment.get(k) for k in ("parent_id", "author", "published", "text")}}
    elif table == "images":
        for position, image in enumerate(record.get("images") or ()):
            yield {"article_id": article_id, "position": position,
                   **{k: image.get(k) for k in ("url", "alt", "caption", "credit", "featured")}}
    else:  # authors, categories, tags: a list of names
        for position, name in enumerate(record.get(table) or ()):
            yield {"article_id": article_id, "position": position, "name": name}


def history_rows(path: str | Path, article_ids: set[str]) -> Iterator[dict[str, Any]]:
    """Earlier versions of the given articles, file by file (month of the version's own date)."""
    base = Archive(path).path(HISTORY_DIR)
    for history_file in sorted(base.glob("*/*.jsonl")) if base.is_dir() else ():
        for entry in read_jsonl(history_file):
            if entry["id"] in article_ids:
                record = entry["record"]
                yield {"article_id": entry["id"], "superseded_at": entry["superseded_at"],
                       "headline": record.get("headline"),
                       "fetched_at": (record.get("crawl") or {}).get("fetched_at"),
                       "record": dumps(record)}


def table_rows(table: str, records: Iterable[dict[str, Any]],
               path: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of one table for ``records`` (read from the archive at ``path``, which also holds
    their history), in archive order."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    if table == "history":
        yield from history_rows(path, {record["id"] for record in records})
        return
    for record in records:
        if table == "articles":
            yield article_row(record)
        else:
            yield from child_rows(table, record)
