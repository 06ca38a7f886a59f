"""Scrapyd, as the README says: ``scrapyd-deploy``, then ``schedule.json`` (issue 21).

A real ``scrapyd`` on 127.0.0.1 gets the egg ``scrapyd-deploy`` builds from a clean copy of the
project, runs ``blade`` against the sample site, and leaves the archive where the settings say.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from tests.conftest import ROOT, SampleSite, archived

BIN = Path(sys.executable).parent
#: What a fresh clone holds besides the package (tests, docs and benchmarks are not deployed).
NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "output", "*.egg-info", "build", "dist",
                                        "__pycache__", ".*_cache", "bench", "tests", "docs")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urlencode(data).encode() if data is not None else None
    with urlopen(url, data=body, timeout=10) as response:
        return dict(json.load(response))


def files_in(tree: Path) -> set[str]:
    return {str(path.relative_to(tree)) for path in tree.rglob("*")}


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Scrapyd on a free 127.0.0.1 port, everything it keeps under ``tmp_path/scrapyd``: its
    URL and working directory. It runs the deployed egg, never this checkout."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\ndbs_dir = {home / 'dbs'}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert call(url + "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "scrapyd not up"
                time.sleep(0.2)
        yield url, home
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_deploy_to_scrapyd_and_schedule_the_crawl(tmp_path: Path, scrapyd: tuple[str, Path]
                                                  ) -> None:
    url, home = scrapyd
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    before = files_in(clone)
    # A deploy target outside the project, as in ~/.config/scrapy.cfg.
    config_home = tmp_path / "config"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(
        f"[deploy:test]\nurl = {url}\nproject = blade_spider\n", encoding="utf-8")
    deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "test"], cwd=clone,
                              env={**os.environ, "XDG_CONFIG_HOME": str(config_home)},
                              capture_output=True, text=True, timeout=60, check=False)
    assert deployed.returncode == 0, deployed.stderr
    assert '"status": "ok"' in deployed.stdout, deployed.stdout
    assert files_in(clone) == before  # no setup.py, build/ or *.egg-info left behind

    archive = tmp_path / "archive"
    with SampleSite(n=8, seed=21) as site:
        jobs = {
            # BLADE_OUTPUT_DIR as a setting, and without it: output/ in Scrapyd's directory
            archive: [("setting", f"BLADE_OUTPUT_DIR={archive}")],
            home / "output": [],
        }
        ids = {}
        for output, settings in jobs.items():
            answer = call(url + "schedule.json", [
                ("project", "blade_spider"), ("spider", "blade"), ("base_url", site.url),
                ("setting", "BLADE_POLITE=False"), *settings])
            assert answer["status"] == "ok", answer
            ids[answer["jobid"]] = output
        deadline = time.monotonic() + 30
        while True:
            listed = call(url + "listjobs.json?project=blade_spider")
            if {job["id"] for job in listed["finished"]} >= set(ids):
                break
            assert time.monotonic() < deadline, listed
            time.sleep(0.3)
        expected = {f"wp-{post.id}" for post in site.archivable_posts()}

    for job, output in ids.items():
        log = (home / "logs" / "blade_spider" / "blade" / f"{job}.log").read_text("utf-8")
        assert {record["id"] for record in archived(output)} == expected, log[-3000:]
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["last_crawl"]["exit_status"] == 0
        assert manifest["articles"] == len(expected)
