"""A stopped run is a normal outcome: it says so, exits 3, and the resumed run is judged fairly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from blade_spider.archive.state import StateStore
from blade_spider.sample_site import SampleSite
from tests.conftest import ROOT, archived, crawl

ARTICLE_PATH_DEPTH = 5  # /YYYY/MM/DD/slug/


def comparable(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records by id, without what differs between two fetches of the same page."""
    out = {}
    for record in records:
        crawl_info = {k: v for k, v in record["crawl"].items()
                      if k not in ("fetched_at", "warc", "etag", "last_modified")}
        out[record["id"]] = {**record, "crawl": crawl_info}
    return out


def test_sigterm_then_resume_is_two_normal_runs_and_the_same_archive(tmp_path: Path) -> None:
    stopped_dir, whole_dir = tmp_path / "stopped", tmp_path / "whole"
    with SampleSite(n=60, seed=31, rest_api=False) as site:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
             "-s", f"BLADE_OUTPUT_DIR={stopped_dir}", "-s", "BLADE_POLITE=False",
             "-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while sum(1 for r in site.requests if r.path.count("/") >= ARTICLE_PATH_DEPTH) < 20:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stopped_log = process.communicate(timeout=60)
        resumed = crawl(site, stopped_dir)
        whole = crawl(site, whole_dir)
    assert process.returncode == 3, stopped_log[-3000:]
    assert "Stopped; the next run resumes" in stopped_log
    assert "Traceback" not in stopped_log and "ERROR" not in stopped_log
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "probable site redesign" not in resumed.stderr and "ERROR" not in resumed.stderr
    assert whole.returncode == 0
    assert comparable(archived(stopped_dir)) == comparable(archived(whole_dir))
    state = StateStore(stopped_dir / "state.sqlite3")
    try:
        reasons = [r[0] for r in state.db.execute("SELECT finish_reason FROM crawls ORDER BY id")]
        first_start = state.db.execute("SELECT MIN(started_at) FROM crawls").fetchone()[0]
        watermark = state.last_crawl_started()
    finally:
        state.close()
    assert reasons == ["stopped", "finished"]
    # the resumed run finished the discovery the stopped one began: the watermark is its start
    assert watermark == first_start
