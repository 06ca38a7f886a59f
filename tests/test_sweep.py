"""Sweeps: deletions are seen at the cost of the listings and the removed articles (issue 21)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from blade_spider.archive.state import StateStore
from blade_spider.archive.store import read_jsonl
from blade_spider.sample_site import SampleSite
from tests.conftest import ROOT, archive_bytes, archived, crawl, run_blade

#: Loopback crawls are unpolite today; after the BLADE_POLITE setting lands they must say so.
QUICK = {"BLADE_POLITE": "False"}


def is_article(path: str) -> bool:
    return path.count("/") >= 5 and path[1:5].isdigit()


def article_requests(site: SampleSite) -> list[tuple[str, dict[str, str]]]:
    """``(path, headers)`` of every article page the site was asked for."""
    return [(r.path, r.headers) for r in site.requests if is_article(r.path) and r.status != 0]


def listing_requests(site: SampleSite) -> list[str]:
    return [r.path for r in site.requests if not is_article(r.path)]


def gone_marks(output: Path) -> dict[str, tuple[str, int]]:
    return {r["id"]: (r["crawl"]["gone_at"], r["crawl"]["gone_status"])
            for r in archived(output) if r["crawl"].get("gone_at")}


def backdate_sweeps(output: Path, days: int) -> None:
    """Make every recorded crawl start ``days`` ago (as if the last sweep were that old)."""
    moment = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    db = sqlite3.connect(output / "state.sqlite3")
    with db:
        db.execute("UPDATE crawls SET started_at = ?", (moment,))
    db.close()


@pytest.mark.parametrize("listing", ["rest_api", "sitemaps"])
def test_a_sweep_costs_the_listings_and_the_removed_articles(tmp_path: Path,
                                                             listing: str) -> None:
    # With a caching plugin's validators (stock WordPress sends none on pages), re-checks are
    # conditional.
    with SampleSite(n=30, seed=21, rest_api=listing == "rest_api", caching_plugin=True) as site:
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        before = archive_bytes(tmp_path)
        archived_ids = {r["id"] for r in archived(tmp_path)}
        posts = site.archivable_posts()
        removed = {posts[3].id: 410, posts[17].id: 404}
        for post_id, status in removed.items():
            site.remove_post(post_id, status=status)
        site.reset_requests()
        swept = run_blade("crawl", "--sweep", "--base-url", site.url, "--output", str(tmp_path),
                          *(f"--set={name}={value}" for name, value in QUICK.items()))
        assert swept.returncode == 0, swept.stderr[-2000:]
        fetched = article_requests(site)
        listings = listing_requests(site)
    # Only the removed articles are asked for, conditionally, once each.
    assert sorted(path for path, _ in fetched) == sorted(site.post(i).path for i in removed)
    assert all("If-None-Match" in headers for _, headers in fetched)
    # robots.txt (Scrapy's middleware and the spider each read it), then the listings.
    assert listings[:2] == ["/robots.txt", "/robots.txt"]
    rest = listings[2]
    assert rest.startswith("/wp-json/wp/v2/posts?")
    assert "modified_after" not in parse_qs(urlsplit(rest).query)  # the whole listing
    if listing == "sitemaps":  # every post sitemap, though the index dates it unchanged
        assert listings[3:] == ["/sitemap_index.xml", "/post-sitemap.xml", "/feed/"]
    else:  # one page of 100 posts
        assert len(listings) == 3
    marks = gone_marks(tmp_path)
    assert {i: status for i, (_, status) in marks.items()} == {
        f"wp-{i}": status for i, status in removed.items()}
    records = {r["id"] for r in archived(tmp_path)}
    assert records == archived_ids  # never deleted
    after = archive_bytes(tmp_path)
    changed = {name for name in before if before[name] != after.get(name)}
    assert len(changed) <= len(removed)  # only the partitions of the removed ones


def test_a_plain_run_sweeps_when_the_last_sweep_is_older_than_blade_sweep_days(
        tmp_path: Path) -> None:
    with SampleSite(n=20, seed=22) as site:
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0  # the first run sweeps
        removed = site.archivable_posts()[4]
        site.remove_post(removed.id, status=410)
        site.reset_requests()
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        assert article_requests(site) == []  # a sweep a moment ago: nothing re-checked
        backdate_sweeps(tmp_path, days=8)
        site.reset_requests()
        assert crawl(site, tmp_path, settings={**QUICK, "BLADE_SWEEP_DAYS": "10"}).returncode == 0
        assert article_requests(site) == []  # 8 days < 10
        assert gone_marks(tmp_path) == {}
        site.reset_requests()
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0  # 8 days >= 7 (default)
        assert [path for path, _ in article_requests(site)] == [removed.path]
        site.reset_requests()
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        assert article_requests(site) == []  # the sweep just made dates the next one
    assert list(gone_marks(tmp_path)) == [f"wp-{removed.id}"]
    assert [run["sweep"] for run in read_jsonl(tmp_path / "runs.jsonl")] == [
        True, False, False, True, False]


def test_blade_sweep_days_zero_sweeps_only_when_asked(tmp_path: Path) -> None:
    with SampleSite(n=12, seed=23) as site:
        assert crawl(site, tmp_path, "limit=3", settings=QUICK).returncode == 0  # no sweep
        site.remove_post(site.archivable_posts()[0].id)
        result = crawl(site, tmp_path, settings={**QUICK, "BLADE_SWEEP_DAYS": "0"})
        assert result.returncode == 0, result.stderr[-2000:]
    assert gone_marks(tmp_path) == {}
    assert [run["sweep"] for run in read_jsonl(tmp_path / "runs.jsonl")] == [False, False]


def test_an_article_redirected_to_another_is_marked_and_its_url_becomes_an_alias(
        tmp_path: Path) -> None:
    with SampleSite(n=20, seed=24) as site:
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        posts = site.archivable_posts()
        old, target, edited = posts[2], posts[9], posts[12]
        site.redirect_post(old.id, target.id)
        site.update_post(edited.id, title="Edited before the sweep")
        site.reset_requests()
        result = crawl(site, tmp_path, "sweep=1", settings=QUICK)
        assert result.returncode == 0, result.stderr[-2000:]
        fetched = sorted(path for path, _ in article_requests(site))
    # The edited article as on any incremental run; the removed one and where it leads.
    assert fetched == sorted([edited.path, old.path, target.path])
    records = {r["id"]: r for r in archived(tmp_path)}
    moved = records[f"wp-{old.id}"]["crawl"]
    assert (moved["gone_status"], moved["moved_to"]) == (301, f"wp-{target.id}")
    assert "gone_at" not in records[f"wp-{target.id}"]["crawl"]
    assert records[f"wp-{edited.id}"]["headline"] == "Edited before the sweep"
    state = StateStore(tmp_path / "state.sqlite3")
    try:
        assert state.by_url(site.url_for(old)).id == f"wp-{target.id}"
        assert state.get(f"wp-{old.id}").gone_status == 301
    finally:
        state.close()
    run = read_jsonl(tmp_path / "runs.jsonl")[-1]
    assert run["gone"] == [f"wp-{old.id}"] and run["updated"] == {
        f"wp-{edited.id}": ["headline", "modified"]}
    validated = run_blade("validate", "--output", str(tmp_path))
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_a_sweep_whose_listing_failed_rechecks_nothing_and_comes_again(tmp_path: Path) -> None:
    with SampleSite(n=20, seed=25, rest_api=False) as site:
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        backdate_sweeps(tmp_path, days=8)
        removed = site.archivable_posts()[6]
        site.remove_post(removed.id)
        site.inject("/post-sitemap.xml", "500")  # and the archives the spider falls back on
        site.inject("/", "500")
        site.reset_requests()
        failed = crawl(site, tmp_path, settings=QUICK)  # a sweep is due
        # Every article of the unread sitemap would look removed: none is re-checked.
        assert failed.returncode == 1 and article_requests(site) == []
        assert "not re-checked" in failed.stderr
        site.clear_faults()
        site.reset_requests()
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0  # still due
        assert [path for path, _ in article_requests(site)] == [removed.path]
    assert list(gone_marks(tmp_path)) == [f"wp-{removed.id}"]
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    crawls = [(reason, json.loads(summary)["sweep"]) for reason, summary in db.execute(
        "SELECT finish_reason, summary FROM crawls ORDER BY id")]
    db.close()
    assert crawls == [("finished", True), ("failed", True), ("finished", True)]


def test_a_sweep_stopped_after_its_listings_resumes_without_rechecking_listed_articles(
        tmp_path: Path) -> None:
    """Stopped (SIGTERM) while the feed is on its way, after the post sitemap named every
    article: the resumed run does not read that sitemap again (the dupefilter drops it), so it
    must know what the stopped run's listings named, or it would re-check every article."""
    with SampleSite(n=20, seed=26, rest_api=False) as site:
        assert crawl(site, tmp_path, settings=QUICK).returncode == 0
        backdate_sweeps(tmp_path, days=8)
        removed = site.archivable_posts()[0]
        site.remove_post(removed.id)
        site.set_option("slow_sleep", 2.0)
        site.inject("/feed/", "slow", times=1)
        site.reset_requests()
        command = [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
                   "-s", f"BLADE_OUTPUT_DIR={tmp_path}"]
        for name, value in QUICK.items():
            command += ["-s", f"{name}={value}"]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline and process.poll() is None
               and not any(r.path == "/feed/" for r in site.requests)):
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        assert "/post-sitemap.xml" in listing_requests(site) and article_requests(site) == []
        site.reset_requests()
        result = crawl(site, tmp_path, settings=QUICK)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "/post-sitemap.xml" not in listing_requests(site)
        assert [path for path, _ in article_requests(site)] == [removed.path]
    assert list(gone_marks(tmp_path)) == [f"wp-{removed.id}"]
