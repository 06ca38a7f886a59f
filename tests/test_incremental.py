"""Scheduled runs: incremental by default, single URLs, resume, exit status (issue 4)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from blade_spider.archive.store import Archive
from blade_spider.crawl.resume import ScheduledKeys
from blade_spider.sample_site import SampleSite
from tests.conftest import LOCAL, ROOT, archive_bytes, archived, as_options, crawl, run_blade


def article_requests(site: SampleSite) -> list[str]:
    return [r.path for r in site.requests
            if r.path.count("/") >= 5 and r.path[1:5].isdigit() and r.status != 0]


def change_site(site: SampleSite) -> tuple[list[int], int]:
    """Two new articles and one edited one."""
    new = [site.create_post().id, site.create_post().id]
    edited = site.archivable_posts()[5].id
    site.update_post(edited, title="An edited headline for the incremental test")
    return new, edited


@pytest.mark.parametrize("signal_kind", ["rest_api", "sitemap_lastmod"])
def test_a_day_of_changes_costs_n_plus_a_constant(tmp_path: Path, signal_kind: str) -> None:
    with SampleSite(n=80, seed=5, rest_api=signal_kind == "rest_api") as site:
        assert crawl(site, tmp_path).returncode == 0
        new, edited = change_site(site)
        site.reset_requests()
        result = crawl(site, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        fetched = article_requests(site)
        assert sorted(fetched) == sorted(site.post(i).path for i in [*new, edited])
        constant = len(site.requests) - len(fetched)
        assert constant <= 6, [(r.path, r.status) for r in site.requests]
    records = {r["id"]: r for r in archived(tmp_path)}
    assert {f"wp-{i}" for i in new} <= set(records)
    assert records[f"wp-{edited}"]["headline"] == "An edited headline for the incremental test"
    history = Archive(tmp_path).history_of(f"wp-{edited}")
    assert len(history) == 1
    assert history[0]["record"]["headline"] != records[f"wp-{edited}"]["headline"]


def test_without_change_signals_new_articles_are_found_and_recent_ones_rechecked(
        tmp_path: Path) -> None:
    with SampleSite(n=40, seed=6, rest_api=False, sitemaps=False) as site:  # core sitemaps only
        recent = site.create_post()
        assert crawl(site, tmp_path).returncode == 0
        site.update_post(recent.id, title="Recent article, edited after the first crawl")
        newest = site.create_post()
        site.reset_requests()
        assert crawl(site, tmp_path).returncode == 0
        fetched = set(article_requests(site))
        assert site.post(newest.id).path in fetched
        assert site.post(recent.id).path in fetched  # inside the re-check window
        assert len(fetched) == 2  # old articles are not re-fetched
    records = {r["id"]: r for r in archived(tmp_path)}
    assert records[f"wp-{recent.id}"]["headline"] == "Recent article, edited after the first crawl"


@pytest.mark.parametrize("caching_plugin", [True, False], ids=["validators", "stock"])
def test_recheck_tells_unchanged_from_edited_articles(tmp_path: Path,
                                                      caching_plugin: bool) -> None:
    """Articles in the re-check window are asked for again. Behind a page-caching plugin the
    request is conditional and an unchanged page answers 304; a stock WordPress sends no
    validators, so the page comes back whole and the archive compares its content. Either way
    the unchanged article stays as it was and the edited one is updated."""
    with SampleSite(n=20, seed=7, rest_api=False, sitemaps=False,
                    caching_plugin=caching_plugin) as site:
        same, edited = site.create_post(), site.create_post()
        assert crawl(site, tmp_path).returncode == 0
        before = {r["id"]: r for r in archived(tmp_path)}
        site.update_post(edited.id, title="Edited after the first crawl")
        site.reset_requests()
        result = crawl(site, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        asked = {r.path: r for r in site.requests}
    unchanged, changed = asked[same.path], asked[edited.path]
    conditional = {"If-None-Match", "If-Modified-Since"} & set(unchanged.headers)
    assert bool(conditional) == caching_plugin
    assert unchanged.status == (304 if caching_plugin else 200)
    assert changed.status == 200
    after = {r["id"]: r for r in archived(tmp_path)}
    assert after[f"wp-{same.id}"] == before[f"wp-{same.id}"]
    assert after[f"wp-{edited.id}"]["headline"] == "Edited after the first crawl"
    assert len(Archive(tmp_path).history_of(f"wp-{edited.id}")) == 1
    assert len(Archive(tmp_path).history_of(f"wp-{same.id}")) == 0


def test_full_recrawl_fetches_everything_and_marks_gone_articles(tmp_path: Path) -> None:
    with SampleSite(n=25, seed=8) as site:
        crawl(site, tmp_path)
        gone = site.archivable_posts()[3]
        site.remove_post(gone.id, status=410)
        site.reset_requests()
        result = crawl(site, tmp_path, "full=1")
        assert result.returncode == 0, result.stderr[-2000:]
        assert len(article_requests(site)) == len(site.archivable_posts()) + 1
    record = {r["id"]: r for r in archived(tmp_path)}[f"wp-{gone.id}"]
    assert record["crawl"]["gone_status"] == 410
    assert record["crawl"]["gone_at"]


def test_since_until_backfill_a_date_range(tmp_path: Path) -> None:
    with SampleSite(n=40, seed=9) as site:
        result = crawl(site, tmp_path, "since=2015-01-01", "until=2017-12-31")
        assert result.returncode == 0
        expected = {f"wp-{p.id}" for p in site.archivable_posts()
                    if "2015" <= p.path[1:5] <= "2017"}
    assert expected
    assert {r["id"] for r in archived(tmp_path)} == expected


def test_fetch_updates_in_place_keeps_history_and_prints_changed_fields(tmp_path: Path) -> None:
    with SampleSite(n=20, seed=10) as site:
        crawl(site, tmp_path)
        target = site.archivable_posts()[2]
        site.update_post(target.id, title="Corrected headline", tags=["corrections"])
        url = site.url_for(target)
        result = run_blade("fetch", url, "--base-url", site.url, "--output", str(tmp_path),
                           settings=LOCAL)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "headline" in result.stdout and "tags" in result.stdout
        again = run_blade("fetch", url, "--base-url", site.url, "--output", str(tmp_path),
                          settings=LOCAL)
        assert "unchanged" in again.stdout
    ids = [r["id"] for r in archived(tmp_path)]
    assert ids.count(f"wp-{target.id}") == 1
    assert len(Archive(tmp_path).history_of(f"wp-{target.id}")) == 1


def test_fetch_refuses_bad_urls_and_leaves_the_archive_untouched(tmp_path: Path) -> None:
    with SampleSite(n=10, seed=11) as site:
        crawl(site, tmp_path)
        before = archive_bytes(tmp_path)
        for url, message in [
            ("https://example.org/2017/09/05/elsewhere/", "offsite"),
            (f"{site.url}/about/", "not an article"),
            (f"{site.url}/2019/01/01/no-such-article/", "failed"),
        ]:
            result = run_blade("fetch", url, "--base-url", site.url, "--output", str(tmp_path),
                               settings=LOCAL)
            assert result.returncode != 0, url
            assert message in result.stderr, result.stderr[-1500:]
        with_file = tmp_path / "urls.txt"
        with_file.write_text(f"# a comment\n{site.url}/contact/\n")
        result = run_blade("fetch", "--from-file", str(with_file), "--base-url", site.url,
                           "--output", str(tmp_path), settings=LOCAL)
        assert result.returncode != 0
    assert archive_bytes(tmp_path) == before


def test_crawl_killed_at_random_points_resumes_to_the_same_archive(tmp_path: Path) -> None:
    """SIGKILL three times at random moments of the crawl; after each kill the archive is valid
    (or ``blade validate --repair`` makes it so), and the resumed crawl ends where an
    uninterrupted one does. The moments count from the spider's opening, not from the process
    start, so a slow machine's imports do not push a kill before the crawl has begun."""
    import random

    from blade_spider.archive.check import validate_archive

    slow = ["-s", "DOWNLOAD_DELAY=0.03", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s", "BLADE_FLUSH_ITEMS=3"]
    moments = random.Random(1969).sample([0.1, 0.4, 0.7, 1.0, 1.3, 1.6], 3)
    with SampleSite(n=60, seed=12) as site:
        reference = tmp_path / "reference"
        assert crawl(site, reference).returncode == 0
        killed = tmp_path / "killed"
        command = [sys.executable, "-m", "scrapy", "crawl", "blade", "-a",
                   f"base_url={site.url}", "-s", f"BLADE_OUTPUT_DIR={killed}",
                   *as_options(LOCAL), *slow]
        for number, moment in enumerate(moments):
            log = tmp_path / f"killed-{number}.log"
            with log.open("wb") as stderr:
                process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                           stderr=stderr)
            deadline = time.monotonic() + 60
            while (b"Spider opened" not in log.read_bytes() and process.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.02)
            assert b"Spider opened" in log.read_bytes(), log.read_text()[-2000:]
            time.sleep(moment)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            for path in killed.glob("articles/*/*.jsonl"):
                [json.loads(line) for line in path.read_text().splitlines()]  # no torn line
            ids = [r["id"] for r in archived(killed)]
            assert len(ids) == len(set(ids)), "an id appears twice after a kill"
            report = validate_archive(killed)
            if not report.ok:  # killed between a partition and the manifest: repairable
                assert validate_archive(killed, repair=True).ok, report.text()
        result = crawl(site, killed)
        assert result.returncode == 0, result.stderr[-2000:]

    def content(output: Path) -> dict[str, dict]:
        return {r["id"]: {k: v for k, v in r.items() if k != "crawl"} for r in archived(output)}

    assert content(killed) == content(reference)
    assert validate_archive(killed).ok
    assert not (killed / ".job").exists()


def test_a_crawl_stopped_during_discovery_resumes_each_article_once(tmp_path: Path) -> None:
    """Stopped (SIGTERM, as systemd stops a service) while Yoast's post sitemap is on its way.
    The resumed run's queue holds that sitemap's articles; the listings it reads next (WordPress
    core's sitemap, the feed) name them again and must not fetch them twice, and those listings
    must still be read although the dupefilter drops the indexes the stopped run had fetched.
    No REST API to fall back on."""
    with SampleSite(n=20, seed=22, rest_api=False) as site:
        site.set_option("slow_sleep", 2.0)
        site.inject("/post-sitemap.xml", "slow", times=1)
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
             "-s", f"BLADE_OUTPUT_DIR={tmp_path}", *as_options(LOCAL)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while (time.monotonic() < deadline and process.poll() is None
               and not any(r.path == "/post-sitemap.xml" for r in site.requests)):
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        stopped_at = len(site.requests)
        assert not any(r.path in ("/wp-sitemap.xml", "/feed/") for r in site.requests)
        assert (tmp_path / ".job").is_dir()  # the next run resumes this one
        result = crawl(site, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        resumed = Counter(r.path for r in site.requests[stopped_at:])
    assert {"/wp-sitemap.xml", "/feed/"} <= set(resumed)
    twice = [path for path, times in resumed.items() if times > 1 and path != "/robots.txt"]
    assert not twice, twice
    assert {r["id"] for r in archived(tmp_path)} == {
        f"wp-{post.id}" for post in site.archivable_posts()}


def test_robots_unreachable_is_a_failed_run(tmp_path: Path) -> None:
    with SampleSite(n=5, seed=13) as site:
        site.inject("/robots.txt", "500")
        result = crawl(site, tmp_path)
    assert result.returncode == 2
    assert "robots.txt" in result.stderr and "unreachable" in result.stderr


def test_a_second_crawl_on_the_same_archive_refuses(tmp_path: Path) -> None:
    with SampleSite(n=25, seed=14) as site:
        first = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
             "-s", f"BLADE_OUTPUT_DIR={tmp_path}", *as_options(LOCAL),
             "-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (tmp_path / "state.sqlite3").exists():
            time.sleep(0.05)
        second = crawl(site, tmp_path)
        assert first.wait(timeout=120) == 0
    assert second.returncode == 2
    assert "runs must not overlap" in second.stderr
    assert {r["id"] for r in archived(tmp_path)} == {f"wp-{p.id}" for p in site.archivable_posts()}


@pytest.mark.parametrize("arg", ["since=yesterday", "limit=many", "base_url=ftp://x"])
def test_a_bad_argument_gets_a_clear_message(tmp_path: Path, arg: str) -> None:
    with SampleSite(n=3, seed=15) as site:
        result = crawl(site, tmp_path, arg)
    assert result.returncode != 0
    assert "bad -a" in result.stderr


def test_progress_lines_and_a_summary_are_logged(tmp_path: Path) -> None:
    with SampleSite(n=30, seed=16) as site:
        result = crawl(site, tmp_path, settings={"BLADE_PROGRESS_INTERVAL": "0.2",
                                                  "DOWNLOAD_DELAY": "0.05"})
    lines = [line for line in result.stderr.splitlines() if "Progress:" in line]
    assert lines and re.search(r"Progress: \d+ of \d+ articles \(\d+ %\), ETA ", lines[-1])
    assert "Crawl summary:" in result.stderr and "Verdict: OK" in result.stderr


def test_low_field_coverage_fails_the_run_and_is_listed(tmp_path: Path) -> None:
    with SampleSite(n=30, seed=17) as site:
        result = crawl(site, tmp_path, settings={
            "BLADE_FIELD_COVERAGE": json.dumps({"headline": 1.0, "subheadline": 1.0})})
    assert result.returncode == 1
    assert "low field coverage: subheadline" in result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["last_crawl"]["exit_status"] == 1
    assert any("subheadline" in p for p in manifest["last_crawl"]["problems"])


def test_a_site_redesign_is_reported(tmp_path: Path) -> None:
    with SampleSite(n=30, seed=18) as site:
        assert crawl(site, tmp_path).returncode == 0
        site.set_option("redesign", True)
        result = crawl(site, tmp_path, "full=1")
    assert result.returncode == 1
    assert "probable site redesign" in result.stderr
    records = archived(tmp_path)
    assert all(r["crawl"]["parser_layers"]["headline"] == "wordpress" for r in records)
    # Stock markup with WordPress's own post classes (terms, and the gallery format of a post
    # with several photos) still gives the whole story and every photo it shows (the redesign
    # prints no lead photo).
    posts = {f"wp-{post.id}": post for post in site.archivable_posts()}
    shown = {key: [i["caption"] for i in post.images if not i["featured"]]
             for key, post in posts.items()}
    assert any(len(post.images) > 1 for post in posts.values())
    for record in records:
        assert record["body"] == posts[record["id"]].body, record["id"]
        assert [i["caption"] for i in record["images"]] == shown[record["id"]], record["id"]


def test_scheduled_keys_are_handed_to_one_resume_only(tmp_path: Path) -> None:
    """A graceful stop saves the keys; the resumed run reads them and deletes the file, so a
    run after a resumed run that was killed outright starts with none (its queue may be lost)."""
    stopped = ScheduledKeys(tmp_path)
    for key in (0, 1, 2**64 - 1):
        stopped.add(key)
    stopped.save()
    assert not list(tmp_path.glob("*.partial"))
    resumed = ScheduledKeys(tmp_path)
    assert resumed.keys == {0, 1, 2**64 - 1} and 2**64 - 1 in resumed and len(resumed) == 3
    assert ScheduledKeys(tmp_path).keys == set()
    ScheduledKeys(None).save()  # no JOBDIR (single-URL runs): nothing to hand on
