"""The archive as one SQLite database: the normalised tables, foreign keys, a full-text index.

Built with sqlite-utils (``pip install 'blade_spider[explore]'``) so the database is what
Datasette and the sqlite-utils command line expect: ``articles_fts`` is an FTS5 index over
headline, subheadline and body that Datasette's table search uses as it is, and every child
table's ``article_id`` is a declared foreign key, so Datasette links a comment to its article.
The file is written beside its target and renamed into place, so a reader (a running Datasette)
never sees half a database.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from blade_spider.archive.dataset import optional_module
from blade_spider.archive.store import ARTICLES_DIR, HISTORY_DIR, MANIFEST, Archive
from blade_spider.archive.tables import (
    CHILD_TABLES,
    TABLES,
    article_row,
    child_rows,
    history_rows,
)

#: Fields of ``articles`` the full-text index covers.
FTS_COLUMNS = ("headline", "subheadline", "body")
#: Rows buffered per table before an insert.
BATCH = 2_000
#: What ``blade explore`` serves, inside the archive directory.
DEFAULT_DB = "blade.db"


def require_sqlite_utils() -> Any:
    return optional_module("sqlite_utils", "explore", "the SQLite export")


def _create_tables(db: Any) -> None:
    for table in TABLES.values():
        db[table.name].create(
            {column.name: column.type for column in table.columns},
            pk=table.pk[0] if len(table.pk) == 1 else table.pk,
            foreign_keys=[("article_id", "articles", "id")] if table.name in CHILD_TABLES
            else None,
        )


def write_sqlite(records: Iterable[dict[str, Any]], path: str | Path, out: Path) -> int:
    """Write ``records`` (from the archive at ``path``, which holds their history) and their
    child rows to the database ``out``, replacing it atomically; returns the article count."""
    sqlite_utils = require_sqlite_utils()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    Path(tmp_name).unlink()  # sqlite-utils creates the file itself
    db = sqlite_utils.Database(tmp_name)
    try:
        _create_tables(db)
        pending: dict[str, list[dict[str, Any]]] = defaultdict(list)

        def flush(name: str) -> None:
            db[name].insert_all(pending.pop(name, []), batch_size=BATCH)

        seen: set[str] = set()
        for record in records:
            seen.add(record["id"])
            pending["articles"].append(article_row(record))
            for name in CHILD_TABLES:
                if name != "history":
                    pending[name].extend(child_rows(name, record))
            if len(pending["articles"]) >= BATCH:
                for name in list(pending):
                    flush(name)
        pending["history"].extend(history_rows(path, seen))
        for name in TABLES:  # articles first: the others refer to it
            flush(name)
        articles = db["articles"]
        articles.enable_fts(FTS_COLUMNS, fts_version="FTS5", tokenize="porter")
        for column in ("published", "section", "year", "month"):
            articles.create_index([column])
        db["authors"].create_index(["name"])
        db["comments"].create_index(["published"])
        db.vacuum()
        db.close()
        os.replace(tmp_name, out)
    except BaseException:
        db.close()
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return len(seen)


def archive_mtime(path: str | Path) -> float:
    """When the archive last changed: the newest of its manifest and data files."""
    archive = Archive(path)
    files = [archive.path(MANIFEST), *archive.path(ARTICLES_DIR).glob("*/*.jsonl"),
             *archive.path(HISTORY_DIR).glob("*/*.jsonl")]
    return max((f.stat().st_mtime for f in files if f.exists()), default=0.0)


def database_is_current(path: str | Path, db_path: Path) -> bool:
    """True when ``db_path`` exists and is newer than every file of the archive."""
    return db_path.exists() and db_path.stat().st_mtime >= archive_mtime(path)


#: Canned queries Datasette offers beside the tables: name -> (title, SQL).
QUERIES = {
    "articles_by_month": ("Articles per month, by section", """
SELECT month, coalesce(section, '(none)') AS section, count(*) AS articles
FROM articles GROUP BY month, section ORDER BY month, articles DESC"""),
    "author_articles": ("An author's articles (a byline name, as in the authors facet)", """
SELECT a.published, a.headline, a.section, a.comment_count, a.url, a.id
FROM authors AS w JOIN articles AS a ON a.id = w.article_id
WHERE w.name = :author ORDER BY a.published"""),
    "most_commented": ("The most-commented articles", """
SELECT a.id, a.published, a.headline, a.section, count(*) AS comments
FROM comments AS c JOIN articles AS a ON a.id = c.article_id
GROUP BY a.id ORDER BY comments DESC, a.published LIMIT 100"""),
}


def datasette_metadata(root: str | Path, database: str) -> dict[str, Any]:
    """Datasette's ``metadata.json`` for the database named ``database``: title, licence and
    citation from the dataset card, table and column descriptions from :data:`TABLES`, the
    articles table's facets (section, year, author) and full-text search, canned queries."""
    from blade_spider.archive.report import DATASET_CARD, TERMS, TITLE, citation

    manifest = Archive(root).read_manifest() or {}
    cite = citation(root, manifest)
    tables: dict[str, Any] = {
        table.name: {"description": table.description,
                     "columns": {column.name: column.description for column in table.columns}}
        for table in TABLES.values()
    }
    tables["articles"].update({
        "facets": ["section", "year", {"array": "authors"}],
        "sort_desc": "published",
        "label_column": "headline",
        "fts_table": "articles_fts",
        "fts_pk": "rowid",
    })
    return {
        "title": TITLE,
        "description": f"{cite['articles']} articles published {cite['years']}. "
                       f"Cite as: {cite['text']}",
        "license": TERMS,
        "source": "washingtonblade.com",
        "source_url": "https://www.washingtonblade.com/",
        "about": "Dataset card (fields, provenance, known gaps, how to cite)",
        "about_url": DATASET_CARD,
        "databases": {database: {
            "tables": tables,
            "queries": {name: {"title": title, "sql": sql.strip()}
                        for name, (title, sql) in QUERIES.items()},
        }},
    }
