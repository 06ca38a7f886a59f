"""Sitemaps are parsed by an XML parser that refuses DTDs, in any encoding, within bounds."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from blade_spider.archive.store import read_jsonl
from blade_spider.crawl.sitemaps import SitemapRefused, read_sitemap
from blade_spider.sample_site import SampleSite
from tests.conftest import archived, crawl, run_scrapy

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
URLSET = (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{NS}"><url>'
          "<loc>http://127.0.0.1/2020/01/02/a/</loc><lastmod>2020-01-03</lastmod></url></urlset>")
ENTRY = {"loc": "http://127.0.0.1/2020/01/02/a/", "lastmod": "2020-01-03"}


@pytest.mark.parametrize("body", [
    URLSET.encode(),
    b"\xef\xbb\xbf" + URLSET.encode(),  # a UTF-8 byte-order mark
    URLSET.replace("UTF-8", "UTF-16").encode("utf-16"),
    b"\n\n  " + URLSET.encode(),
], ids=["plain", "utf8-bom", "utf16", "leading-space"])
def test_a_sitemap_reads_whatever_its_encoding(body: bytes) -> None:
    sitemap = read_sitemap(body)
    assert sitemap.kind == "urlset" and sitemap.entries == [ENTRY]


@pytest.mark.parametrize("body, reason", [
    # an entity declared after a long comment slipped past a byte scan of the first 64 KiB
    (f'<?xml version="1.0"?><!--{"x" * 70000}--><!DOCTYPE urlset [<!ENTITY a "b">]>'
     f'<urlset xmlns="{NS}"><url><loc>http://127.0.0.1/&a;</loc></url></urlset>', "DTD"),
    ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
     '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><urlset>&lol3;</urlset>',
     "DTD"),
    ("<html><body>Not here</body></html>", "no urlset"),
    ("<urlset><url><loc>broken", "not XML"),
    ("", "not XML"),
])
def test_a_hostile_or_broken_sitemap_is_refused(body: str, reason: str) -> None:
    with pytest.raises(SitemapRefused, match=reason):
        read_sitemap(body.encode())


class EndlessIndexes(BaseHTTPRequestHandler):
    """``/post-sitemapN.xml`` is an index naming ``/post-sitemapN+1.xml``, without end."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        base = f"http://{self.headers['Host']}"
        match = re.fullmatch(r"/post-sitemap(\d+)\.xml", self.path)
        if self.path == "/robots.txt":
            body = f"User-agent: *\nAllow: /\nSitemap: {base}/post-sitemap1.xml\n".encode()
        elif match:
            body = (f'<sitemapindex xmlns="{NS}"><sitemap><loc>{base}/post-sitemap'
                    f"{int(match[1]) + 1}.xml</loc></sitemap></sitemapindex>").encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endless_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EndlessIndexes)
    EndlessIndexes.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_chain_of_sitemap_indexes_is_cut_and_reported(endless_site: str, tmp_path: Path) -> None:
    result = run_scrapy("crawl", "blade", "-a", f"base_url={endless_site}", output=tmp_path,
                        settings={"BLADE_SITEMAP_MAX_DEPTH": "3"}, timeout=60)
    sitemaps = [p for p in EndlessIndexes.seen if p.startswith("/post-sitemap")]
    assert len(sitemaps) == 4, sitemaps  # depths 0 to 3
    cut = [f for f in read_jsonl(tmp_path / "failures.jsonl") if "nested deeper" in f["reason"]]
    assert [f["url"].rsplit("/", 1)[1] for f in cut] == ["post-sitemap4.xml"], result.stderr[-2000:]
    assert result.returncode != 0, "a run that cut its listings is not clean"


def test_an_edit_behind_a_failing_sitemap_is_archived_by_the_next_healthy_run(
        tmp_path: Path) -> None:
    """A listing that fails makes the run not clean, so the watermark waits for a run that
    read it. (The first crawl is put ten hours back, and the edit five, so that the two-hour
    safety margin cannot hide a watermark that moved.)"""
    with SampleSite(n=12, seed=5, rest_api=False) as site:
        assert crawl(site, tmp_path).returncode == 0
        ten_hours_ago = (datetime.now(timezone.utc) - timedelta(hours=10)).isoformat()
        with sqlite3.connect(tmp_path / "state.sqlite3") as db:
            db.execute("UPDATE crawls SET started_at = ?", (ten_hours_ago,))
            db.execute("UPDATE articles SET fetched_at = ?", (ten_hours_ago,))
        post = site.archivable_posts()[3]
        site.update_post(post.id, title="An edit made while a sitemap failed",
                         modified=datetime.now(timezone.utc) - timedelta(hours=5))
        site.inject("/post-sitemap.xml", "reset")
        # however large the site, one listing is a tiny share of its pages: the failure-rate
        # check must not be what marks the run
        failed = crawl(site, tmp_path, settings={"BLADE_MAX_FAILURE_RATE": "1"})
        assert failed.returncode == 1, failed.stderr[-2000:]
        assert any(f["stage"] == "listing" for f in read_jsonl(tmp_path / "failures.jsonl"))
        site.clear_faults()
        healthy = crawl(site, tmp_path)
    assert healthy.returncode == 0, healthy.stderr[-2000:]
    record = next(r for r in archived(tmp_path) if r["id"] == f"wp-{post.id}")
    assert record["headline"] == "An edit made while a sitemap failed"
