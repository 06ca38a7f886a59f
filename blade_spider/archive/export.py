"""One-file exports of the archive: Parquet for analysis tools, CSV for spreadsheets, SQLite
(:mod:`blade_spider.archive.sqlite`) for SQL and Datasette.

Whole records, or one normalised table (:mod:`blade_spider.archive.tables`: articles, authors,
comments, images, ...) for tools that want flat rows.

Parquet keeps the record's structure as typed columns (``authors`` ``list<string>``,
``body_blocks``/``images``/``comments`` lists of structs, ``crawl`` a struct, dates as
timezone-aware timestamps), so DuckDB, pandas, Polars, R (arrow) and Hugging Face ``datasets``
read it without guessing types from JSON. The schema is fixed here rather than inferred because
inference from JSON Lines guesses ``null`` for a field that happens to be empty in the first file
and then fails (or silently drops values) on the files after it.

CSV is one row per article, the nested fields JSON-encoded, UTF-8; the same archive always gives
the same bytes, so an export can be checksummed and diffed.

pyarrow is an optional extra (``pip install 'blade_spider[parquet]'``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from blade_spider.archive.dataset import (
    COLUMNS,
    DateBound,
    archive_root,
    arrow_schema,
    load_articles,
    require_pyarrow,
)
from blade_spider.archive.sqlite import require_sqlite_utils, write_sqlite
from blade_spider.archive.store import atomic_write, dumps
from blade_spider.archive.tables import TABLES, Table, table_rows

FORMATS = ("parquet", "csv", "sqlite")
#: Records per Parquet row group: bounds the memory an export needs, whatever the archive size.
ROW_GROUP = 10_000
#: ``crawl`` keys with a column of their own in Parquet; any other key goes, JSON-encoded, to
#: ``crawl.extra``, so a provenance key added later is never silently dropped.
CRAWL_KEYS = ("fetched_at", "http_status", "request_url", "spider_version", "template",
              "parser_layers", "content_sha256", "etag", "last_modified", "date_precision",
              "date_notes", "comments_note", "gone_at", "gone_status", "pages", "comment_pages",
              "warc")


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _arrow_row(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its date strings as datetimes and ``crawl`` shaped like the schema."""
    crawl = record["crawl"]
    extra = {k: v for k, v in crawl.items() if k not in CRAWL_KEYS}
    return {
        **record,
        "published": _instant(record["published"]),
        "modified": _instant(record["modified"]),
        "comments": [{**c, "published": _instant(c["published"])} for c in record["comments"]],
        "crawl": {
            **crawl,
            "fetched_at": _instant(crawl.get("fetched_at")),
            "gone_at": _instant(crawl.get("gone_at")),
            "parser_layers": json.dumps(crawl.get("parser_layers") or {}, sort_keys=True,
                                        ensure_ascii=False),
            "extra": json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else None,
        },
    }


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def table_schema(table: Table) -> Any:
    """The Parquet schema of a normalised table (:mod:`blade_spider.archive.tables`)."""
    pa = require_pyarrow()
    types = {str: pa.string(), int: pa.int64(), bool: pa.bool_()}
    return pa.schema([(column.name, types[column.type]) for column in table.columns])


def write_parquet(records: Iterable[dict[str, Any]], out: Path, table: Table | None = None) -> int:
    """Write ``records`` (in the order given) to ``out`` atomically; returns the row count.

    Without ``table`` the rows are whole records (nested columns); with it, rows of that
    normalised table."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    schema = arrow_schema() if table is None else table_schema(table)
    shape = _arrow_row if table is None else dict
    count = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        with pq.ParquetWriter(tmp_name, schema, compression="zstd") as writer:
            for batch in _batches(records, ROW_GROUP):
                rows = [shape(record) for record in batch]
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                count += len(batch)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def csv_cell(value: Any) -> str:
    """A field as CSV text: nested values as compact JSON, null as the empty string."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return dumps(value)  # type: ignore[arg-type]  # any JSON value serialises
    return str(value)


def write_csv(records: Iterable[dict[str, Any]], out: Path, table: Table | None = None) -> int:
    """Write ``records`` to ``out`` atomically (header + one row each); returns the row count.
    Without ``table`` the rows are whole records; with it, rows of that normalised table.

    Rows end in ``\\n``; a newline inside a value (``body``) is kept inside its quoted cell.
    """
    buffer = io.StringIO()
    # The writer quotes a cell holding any character of its line terminator: with "\r\n" both
    # kinds of line break in a value are quoted; the terminator itself is cut and "\n" used.
    writer = csv.writer(buffer, lineterminator="\r\n")
    count = 0

    def row(values: Iterable[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()[:-2]

    columns = COLUMNS if table is None else table.names

    def lines() -> Iterator[str]:
        nonlocal count
        yield row(columns)
        for record in records:
            count += 1
            yield row(csv_cell(record.get(name)) for name in columns)

    atomic_write(out, lines())
    return count


def export_archive(
    path: str | Path,
    fmt: str,
    out: str | Path,
    since: DateBound = None,
    until: DateBound = None,
    sections: Iterable[str] | str | None = None,
    table: str | None = None,
) -> int:
    """Export the archive at ``path`` (filtered like :func:`blade_spider.dataset.load_articles`)
    to the file ``out``: ``parquet`` or ``csv`` of whole records, or of one normalised ``table``
    (:data:`blade_spider.archive.tables.TABLES`), or ``sqlite`` with every table. Returns the
    number of articles exported (0 when the slice matches nothing: the file then has no rows).

    Rows are in archive order (publication month, then publication time, then id), so the same
    archive gives the same file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if table is not None and table not in TABLES:
        raise ValueError(f"unknown table {table!r}: choose one of {', '.join(TABLES)}")
    if fmt == "sqlite" and table is not None:
        raise ValueError("a SQLite export holds every table: leave out --table")
    path = archive_root(path)
    if fmt == "parquet":
        require_pyarrow()  # fail before reading anything
    elif fmt == "sqlite":
        require_sqlite_utils()
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    articles = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal articles
        for record in load_articles(path, since, until, sections):
            articles += 1
            yield record

    if fmt == "sqlite":
        write_sqlite(counted(), path, target)
        return articles
    writer = write_parquet if fmt == "parquet" else write_csv
    if table is None:
        writer(counted(), target)
    else:
        writer(table_rows(table, counted(), path), target, TABLES[table])
    return articles
