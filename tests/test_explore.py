"""The archive as tables, a SQLite database and a Datasette site, tested from a crawled archive.

``blade explore`` is started for real on a free loopback port; its search page is loaded in a
headless Chromium (Debian's ``chromium``; the browser test is skipped when none is installed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from blade_spider.archive.sqlite import QUERIES, database_is_current
from blade_spider.archive.tables import TABLES
from blade_spider.cli import main
from blade_spider.cli.explore import prepare
from blade_spider.record.schema import article_schema
from tests.conftest import ROOT, archived

CHROMIUM = Path("/usr/bin/chromium")
WORD = "Chechnya"


def expected_hits(records: list[dict[str, Any]], word: str) -> set[str]:
    """Ids of the records whose headline, subheadline or body has ``word`` as a word."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return {r["id"] for r in records
            if any(pattern.search(r.get(f) or "") for f in ("headline", "subheadline", "body"))}


@pytest.fixture(scope="module")
def database(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("db") / "blade.db"
    assert main(["export", "--output", str(crawled_archive), "--format", "sqlite",
                 "--out", str(out)]) == 0
    return out


def test_sqlite_tables_hold_every_record(crawled_archive: Path, database: Path) -> None:
    records = archived(crawled_archive)
    db = sqlite3.connect(database)
    count = {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}
    assert count["articles"] == len(records) > 20
    assert count["authors"] == sum(len(r["authors"]) for r in records)
    assert count["comments"] == sum(r["comment_count"] for r in records) > 0
    assert count["images"] == sum(len(r["images"]) for r in records)
    assert count["categories"] == sum(len(r["categories"]) for r in records)
    assert count["tags"] == sum(len(r["tags"]) for r in records)
    assert count["history"] == 1  # the article edited between the two crawls
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for name in TABLES:
        if name != "articles":
            fks = db.execute(f"PRAGMA foreign_key_list({name})").fetchall()
            assert [(fk[2], fk[3], fk[4]) for fk in fks] == [("articles", "article_id", "id")]
    indexed = {db.execute(f"PRAGMA index_info({index[1]})").fetchone()[2]
               for index in db.execute("PRAGMA index_list(articles)")}
    assert {"published", "section"} <= indexed
    first = records[0]
    row = db.execute("SELECT headline, published, authors, year FROM articles WHERE id = ?",
                     (first["id"],)).fetchone()
    assert row == (first["headline"], first["published"], json.dumps(first["authors"],
                   ensure_ascii=False, separators=(",", ":")), int(first["published"][:4]))
    found = {r[0] for r in db.execute(
        "SELECT a.id FROM articles_fts JOIN articles AS a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH ?", (WORD,))}
    assert found == expected_hits(records, WORD) != set()


def test_table_exports_match_the_database(crawled_archive: Path, database: Path,
                                          tmp_path: Path) -> None:
    db = sqlite3.connect(database)
    for name in ("articles", "authors", "comments", "images", "history"):
        rows = db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        parquet, csv_file = tmp_path / f"{name}.parquet", tmp_path / f"{name}.csv"
        for fmt, target in (("parquet", parquet), ("csv", csv_file)):
            assert main(["export", "--output", str(crawled_archive), "--format", fmt,
                         "--table", name, "--out", str(target)]) == 0
        table = pq.read_table(parquet)
        assert table.column_names == TABLES[name].names
        assert table.num_rows == rows
        header = csv_file.read_text(encoding="utf-8").split("\n", 1)[0]
        assert header == ",".join(TABLES[name].names)
    comments = pq.read_table(tmp_path / "comments.parquet").to_pylist()
    first = db.execute("SELECT id, article_id, parent_id, author, published, text FROM comments "
                       "ORDER BY rowid LIMIT 1").fetchone()
    assert tuple(comments[0].values()) == first


def test_an_empty_slice_says_so(crawled_archive: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["export", "--output", str(crawled_archive), "--format", "csv", "--table",
                   "comments", "--since", "2099-01-01", "--out", str(tmp_path / "none.csv")])
    assert status == 1
    err = capsys.readouterr().err
    assert "no article" in err and "--since 2099-01-01" in err
    assert main(["export", "--output", str(crawled_archive), "--format", "sqlite", "--table",
                 "authors", "--out", str(tmp_path / "x.db")]) == 2


def test_the_database_is_rebuilt_only_when_the_archive_changed(crawled_archive: Path,
                                                               tmp_path: Path) -> None:
    root = tmp_path / "output"
    shutil.copytree(crawled_archive, root)
    db_path, metadata, rebuilt = prepare(root)
    assert rebuilt and database_is_current(root, db_path)
    assert prepare(root)[2] is False
    later = db_path.stat().st_mtime + 5
    os.utime(root / "manifest.json", (later, later))  # a crawl rewrote the manifest
    assert prepare(root)[2] is True
    meta = json.loads(metadata.read_text(encoding="utf-8"))
    articles = meta["databases"]["blade"]["tables"]["articles"]
    assert articles["columns"]["headline"] == article_schema()["properties"]["headline"][
        "description"]  # the column descriptions are the JSON Schema's
    assert articles["facets"] == ["section", "year", {"array": "authors"}]
    assert "Brown, Naff, Pitts Omnimedia" in meta["license"]
    assert "manifest.json SHA-256" in meta["description"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def served(crawled_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``blade explore`` on a free loopback port, on a copy of the crawled archive."""
    root = tmp_path_factory.mktemp("explore") / "output"
    shutil.copytree(crawled_archive, root)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "blade_spider.cli", "explore", "--output", str(root),
         "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"{url}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"blade explore did not start: {server.stdout.read()}"
                                         if server.poll() is not None else "no answer") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_datasette_full_text_search_and_facets(served: str, crawled_archive: Path) -> None:
    records = archived(crawled_archive)
    found = get_json(f"{served}/blade/articles.json?_search={WORD}&_shape=objects&_size=max")
    assert {row["id"] for row in found["rows"]} == expected_hits(records, WORD)
    facets = found["facet_results"]
    assert set(facets) == {"section", "year", "authors"}
    years = {str(r["published"][:4]) for r in records if r["id"] in expected_hits(records, WORD)}
    assert {str(value["value"]) for value in facets["year"]["results"]} == years
    commented = get_json(f"{served}/blade/most_commented.json?_shape=objects")["rows"]
    most = max(records, key=lambda r: (r["comment_count"], -int(r["published"][:4])))
    assert commented[0]["comments"] == most["comment_count"]
    author = records[0]["authors"][0]
    theirs = get_json(f"{served}/blade/author_articles.json?_shape=objects&author="
                      + urllib.request.quote(author))["rows"]
    assert {row["id"] for row in theirs} == {r["id"] for r in records if author in r["authors"]}
    assert {q["name"] for q in get_json(f"{served}/blade.json")["queries"]} == set(QUERIES)


def test_search_page_in_a_real_browser(served: str, crawled_archive: Path,
                                       tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium; .ci/run does as root)")
    records = {r["id"]: r for r in archived(crawled_archive)}
    hits = expected_hits(list(records.values()), WORD)
    page = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         f"{served}/blade/articles?_search={WORD}"],
        capture_output=True, text=True, timeout=60, check=False).stdout
    assert f'value="{WORD}"' in page  # the search box holds the query
    for article_id in hits:
        assert f">{article_id}</a>" in page, article_id
    missing = next(i for i in records if i not in hits)
    assert f">{missing}</a>" not in page


def test_missing_extras_and_archives_are_named(crawled_archive: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["explore", "--output", str(tmp_path), "--port", "0"]) == 2
    assert "no archive at" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "sqlite_utils", None)
    assert main(["export", "--output", str(crawled_archive), "--format", "sqlite",
                 "--out", str(tmp_path / "x.db")]) == 2
    assert "blade_spider[explore]" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "datasette", None)
    assert main(["explore", "--output", str(crawled_archive), "--port", "0"]) == 2
    assert "blade_spider[explore]" in capsys.readouterr().err
    assert not (crawled_archive / "blade.db").exists()
