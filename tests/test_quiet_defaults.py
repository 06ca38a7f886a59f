"""Quiet, safe defaults for a job left alone (issue 21): no code-execution servers during a crawl,
a log an operator reads (no stats dump, no warnings from our own code at INFO), and one warning
when the live site would be crawled without a contact in the User-Agent."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from blade_spider.archive.store import Archive
from tests.conftest import ROOT, SampleSite, crawl, run_blade

CONTACT_WARNING = "BLADE_CONTACT is not set"
#: ``DeprecationWarning``, ``ScrapyDeprecationWarning``, ``UserWarning``, ... and WARNING lines.
WARNINGS = re.compile(r"\w+Warning\b| WARNING: ")


def test_a_default_crawl_serves_no_console_and_logs_what_an_operator_reads(
        tmp_path: Path) -> None:
    with SampleSite(n=6, seed=7) as site:
        scrapy_run = crawl(site, tmp_path / "scrapy")
        blade_run = run_blade("crawl", "--base-url", site.url, "-o", str(tmp_path / "blade"))
    for result in (scrapy_run, blade_run):
        assert result.returncode == 0, result.stderr[-2000:]
        assert "RemoteControl" not in result.stderr and "TelnetConsole" not in result.stderr
        assert "Remote control HTTP server" not in result.stderr
        assert "Dumping Scrapy stats" not in result.stderr
        assert "Crawl summary:" in result.stderr
        assert not WARNINGS.search(result.stderr), WARNINGS.findall(result.stderr)


def test_the_console_and_the_stats_dump_are_there_when_asked_for(tmp_path: Path) -> None:
    with SampleSite(n=3, seed=7) as site:
        result = crawl(site, tmp_path / "archive", settings={
            "REMOTE_CONTROL_ENABLED": "True", "REMOTE_CONTROL_JOBS_DIR": str(tmp_path / "jobs"),
            "LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Remote control HTTP server listening" in result.stderr
    assert "[blade_spider.crawl.stats] DEBUG: Dumping Scrapy stats" in result.stderr


def run_live_refused(output: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl blade`` at the live site, on an archive another crawl holds: the spider
    starts (and warns) but asks nothing of the site, so no test reaches beyond 127.0.0.1."""
    archive = Archive(output)
    archive.lock()
    try:
        return subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-s", f"BLADE_OUTPUT_DIR={output}",
             *settings], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    finally:
        archive.unlock()


def test_crawling_the_live_site_without_a_contact_warns_once(tmp_path: Path) -> None:
    anonymous = run_live_refused(tmp_path / "a", "-s", "LOG_LEVEL=DEBUG")
    assert anonymous.returncode == 2, anonymous.stderr[-2000:]
    assert "<GET " not in anonymous.stderr  # nothing was asked of the live site
    assert anonymous.stderr.count(CONTACT_WARNING) == 1
    signed = run_live_refused(tmp_path / "b", "-s", "BLADE_CONTACT=ops@example.org")
    assert signed.returncode == 2
    assert CONTACT_WARNING not in signed.stderr
