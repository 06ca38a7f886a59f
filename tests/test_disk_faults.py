"""Nothing lost, whatever the disk or the archive does (issue 20): a full disk, a torn partition
line, a garbage manifest or state, symlinks inside the archive, an archive of another site, and
truncated downloads in the WARC.

Each crawl runs through ``scrapy crawl`` in a subprocess, as an operator runs it; a simulated
full disk is injected there by a ``sitecustomize`` module on ``PYTHONPATH``.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blade_spider.archive.check import DAMAGED, validate_archive
from blade_spider.archive.state import StateStore
from blade_spider.archive.store import (
    JOURNAL,
    MANIFEST,
    STATE,
    Archive,
    UnsafePath,
    append_line,
    atomic_write,
    read_jsonl,
)
from blade_spider.archive.warc import scan_warc
from blade_spider.cli import main
from blade_spider.sample_site import SampleSite
from tests.conftest import ROOT, archive_bytes, archived, crawl

#: Fails the Nth whole-line append of the crawl (journal, failure log) with ENOSPC, and every one
#: after it, as a disk that has just filled up does.
SITECUSTOMIZE = '''
import errno, os
import blade_spider.archive.store as store
_after = int(os.environ["BLADE_TEST_ENOSPC_AFTER"])
_real = store.write_whole
_calls = [0]
def write_whole(fd, data):
    _calls[0] += 1
    if _calls[0] > _after:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _real(fd, data)
store.write_whole = write_whole
'''


def crawl_env(site: SampleSite, output: Path, *spider_args: str, env: dict[str, str],
              timeout: float = 90) -> tuple[subprocess.CompletedProcess[str], float]:
    """``scrapy crawl blade`` with extra environment; returns the result and its duration."""
    command = [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={site.url}",
               "-s", f"BLADE_OUTPUT_DIR={output}", "-s", "LOG_LEVEL=INFO",
               "-s", "BLADE_POLITE=False"]  # the site is on this machine
    for arg in spider_args:
        command += ["-a", arg]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **env}, check=False)
    return result, time.monotonic() - started


#: What Scrapy logs when our code raised where it should have stopped with a message.
CRASHES = ("Error processing", "Error caught on signal handler", "Unhandled error",
           "Scraper close failure", "Error while", "AttributeError")


def no_crash(log: str) -> None:
    for crash in CRASHES:
        assert crash not in log, log[log.index(crash) - 200:][:3000]


def every_line_is_json(output: Path) -> None:
    """No append-only file or partition keeps a torn line."""
    for path in [*output.glob("*.jsonl"), output / JOURNAL, *output.glob("articles/*/*.jsonl"),
                 *output.glob("history/*/*.jsonl")]:
        if path.exists():
            data = path.read_bytes()
            assert not data or data.endswith(b"\n"), f"{path} ends with a torn line"
            for line in data.splitlines():
                json.loads(line)


def same_records(before: dict[str, bytes], output: Path) -> None:
    """Every record archived before is still there, byte for byte."""
    lines_now = {line for data in archive_bytes(output).values() for line in data.splitlines()}
    for name, data in before.items():
        if name.startswith("articles/"):
            for line in data.splitlines():
                record = json.loads(line)
                assert line in lines_now or any(
                    json.loads(now)["id"] == record["id"] for now in lines_now), record["id"]


# --- whole lines ------------------------------------------------------------------------------

def test_a_failed_append_leaves_no_torn_line(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "failures.jsonl"
    append_line(path, {"url": "a"})
    before = path.read_bytes()
    real_write = os.write

    def short_then_full(fd: int, data: Any) -> int:
        """Half the bytes fit; then the disk is full."""
        if len(data) > 3:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", short_then_full)
    with pytest.raises(OSError) as raised:
        append_line(path, {"url": "b" * 100})
    monkeypatch.undo()
    assert raised.value.errno == errno.ENOSPC
    assert path.read_bytes() == before


def test_a_reader_skips_and_reports_a_torn_tail(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "failures.jsonl"
    path.write_text('{"url":"a"}\n{"url":"b"}\n{"url":"c', encoding="utf-8")
    assert read_jsonl(path) == [{"url": "a"}, {"url": "b"}]
    assert f"{path}:3" in caplog.text


# --- a full disk ------------------------------------------------------------------------------

def test_a_simulated_full_disk_stops_the_crawl_and_the_next_run_finishes(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    output = tmp_path / "output"
    with SampleSite(n=30, seed=3) as site:
        expected = {f"wp-{p.id}" for p in site.archivable_posts()}
        env = {"PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
               "BLADE_TEST_ENOSPC_AFTER": "8"}
        full, seconds = crawl_env(site, output, env=env)
        assert full.returncode == 2, full.stderr[-3000:]
        assert seconds < 60
        assert "disk" in full.stderr and str(output) in full.stderr
        no_crash(full.stderr)
        every_line_is_json(output)
        assert len(archived(output)) < len(expected)
        again = crawl(site, output)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {r["id"] for r in archived(output)} == expected
    assert validate_archive(output).ok


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (root only), unmounted afterwards whatever happens."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with a file until only ``leave`` bytes are free."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


def test_a_real_full_disk_stops_cleanly_and_damages_nothing(small_disk: Path) -> None:
    output = small_disk / "output"
    with SampleSite(n=12, seed=5) as site:
        first = crawl(site, output)
        assert first.returncode == 0, first.stderr[-3000:]
        before = archive_bytes(output)
        for _ in range(25):
            site.create_post()
        expected = {f"wp-{p.id}" for p in site.archivable_posts()}
        filler = fill(small_disk, 48 * 1024)
        full, seconds = crawl_env(site, output, env={})
        assert full.returncode == 2, full.stderr[-3000:]
        assert seconds < 60
        assert "No space left" in full.stderr and str(output) in full.stderr
        no_crash(full.stderr)
        filler.unlink()
        every_line_is_json(output)
        same_records(before, output)
        again = crawl(site, output)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {r["id"] for r in archived(output)} == expected
    assert validate_archive(output).ok


def test_a_first_crawl_on_a_tiny_disk_stops_in_seconds(small_disk: Path) -> None:
    """The case that hung for 10 minutes with one request queued (the JOBDIR queue failing)."""
    output = small_disk / "output"
    filler = fill(small_disk, 256 * 1024)
    with SampleSite(n=30, seed=3) as site:
        expected = {f"wp-{p.id}" for p in site.archivable_posts()}
        full, seconds = crawl_env(site, output, env={}, timeout=60)
        assert full.returncode == 2, full.stderr[-3000:]
        assert seconds < 30
        no_crash(full.stderr)
        filler.unlink()
        every_line_is_json(output)
        again = crawl(site, output)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {r["id"] for r in archived(output)} == expected


# --- a damaged archive -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("crawled") / "output"
    with SampleSite(n=30, seed=3) as site:
        result = crawl(site, output)
    assert result.returncode == 0, result.stderr[-3000:]
    return output


@pytest.fixture
def output(crawled: Path, tmp_path: Path) -> Path:
    """A private copy of the crawled archive (the same site is served again for it)."""
    return Path(shutil.copytree(crawled, tmp_path / "output"))


def recrawl(output: Path, *spider_args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    with SampleSite(n=30, seed=3) as site:
        return crawl(site, output, *spider_args, settings=settings)


def test_a_torn_partition_line_never_wedges_the_crawl(output: Path) -> None:
    partition = sorted(output.glob("articles/*/*.jsonl"))[-1]
    torn = '{"schema_version":1,"id":"wp-99999","url":"http://x/2099/01/01/x/","head'
    with partition.open("a", encoding="utf-8") as handle:
        handle.write(torn + "\n")
    for _ in range(2):  # a second run must not be worse (no replayed journal crashing again)
        result = recrawl(output, "full=1")
        assert result.returncode in (0, 2), result.stderr[-3000:]
        if result.returncode == 2:
            assert "blade validate --repair" in result.stderr
            no_crash(result.stderr)
    if result.returncode == 2:
        assert main(["validate", "--output", str(output), "--repair"]) == 0
        result = recrawl(output)
        assert result.returncode == 0, result.stderr[-3000:]
    assert torn in [entry["text"] for entry in read_jsonl(output / DAMAGED)]
    assert validate_archive(output).ok


@pytest.mark.parametrize("garbage", [b"[1, 2]", b'{"files": 3}', os.urandom(300)],
                         ids=["list", "wrong-shape", "random"])
def test_a_garbage_manifest_is_rebuilt(output: Path, garbage: bytes) -> None:
    (output / MANIFEST).write_bytes(garbage)
    result = recrawl(output)
    assert result.returncode == 0, result.stderr[-3000:]
    no_crash(result.stderr)
    assert f"{MANIFEST}" in result.stderr and "rebuilt" in result.stderr
    assert validate_archive(output).ok


@pytest.mark.parametrize("damage", ["truncated", "random"])
def test_a_damaged_state_is_rebuilt_from_the_archive(output: Path, damage: str) -> None:
    state = output / STATE
    for suffix in ("-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    data = state.read_bytes()
    state.write_bytes(data[:len(data) // 3] if damage == "truncated" else os.urandom(len(data)))
    count = len(archived(output))
    result = recrawl(output)
    assert result.returncode == 0, result.stderr[-3000:]
    no_crash(result.stderr)
    assert STATE in result.stderr and "rebuilt" in result.stderr
    assert len(archived(output)) == count
    store = StateStore(state)
    try:
        assert store.count() == count
    finally:
        store.close()
    assert validate_archive(output).ok


def test_after_a_stopped_run_the_manifest_is_rescanned_once(
        output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that did not finish may have rewritten partitions and not its manifest: the next
    one re-reads every partition for its first manifest, and only for that one."""
    partition = sorted(output.glob("articles/*/*.jsonl"))[0]
    lines = partition.read_bytes().splitlines(keepends=True)
    partition.write_bytes(b"".join(lines[:-1]))  # as if merged, but the manifest not written
    archive = Archive(output)
    archive.rescan = True
    assert archive.write_manifest()["files"] == archive.scan_files()

    def no_rescan() -> None:
        raise AssertionError("every partition re-read again")

    monkeypatch.setattr(archive, "scan_files", no_rescan)
    archive.write_manifest()


# --- blade stats on a damaged archive -----------------------------------------------------------

@pytest.mark.parametrize("damage", ["not-an-object", "garbage-manifest", "missing-partition"])
def test_stats_on_a_damaged_archive_exits_non_zero(output: Path, damage: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    partition = sorted(output.glob("articles/*/*.jsonl"))[0]
    if damage == "not-an-object":
        with partition.open("a", encoding="utf-8") as handle:
            handle.write("[1, 2]\n")
    elif damage == "garbage-manifest":
        (output / MANIFEST).write_text("[1, 2]", encoding="utf-8")
    else:
        partition.unlink()
    assert main(["stats", "--output", str(output)]) != 0
    assert "blade validate" in capsys.readouterr().err


# --- symlinks inside the archive ----------------------------------------------------------------

def test_appends_refuse_to_follow_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside.jsonl"
    outside.write_text("", encoding="utf-8")
    root = tmp_path / "output"
    root.mkdir()
    (root / "failures.jsonl").symlink_to(outside)
    with pytest.raises(UnsafePath, match="symlink"):
        append_line(root / "failures.jsonl", {"url": "x"})
    with pytest.raises(UnsafePath, match="symlink"):
        atomic_write(root / "failures.jsonl", ["{}"])
    assert outside.read_text(encoding="utf-8") == ""
    (tmp_path / "elsewhere" / "2017").mkdir(parents=True)
    (tmp_path / "elsewhere" / "2017" / "2017-09.jsonl").write_text("", encoding="utf-8")
    (root / "articles").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePath, match="symlink"):
        Archive(root).path("articles/2017/2017-09.jsonl")
    assert main(["validate", "--output", str(root), "--repair"]) == 2
    for outside in ("../x.jsonl", "/tmp/x.jsonl", "articles/../../x.jsonl"):  # a damaged state row
        with pytest.raises(UnsafePath, match="not a path inside"):
            Archive(root).path(outside)
    assert not (tmp_path / "elsewhere" / "2017" / "2017-09.jsonl").read_bytes()


def test_a_crawl_never_writes_through_a_symlinked_directory(output: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(output / "articles", elsewhere)
    (output / "articles").symlink_to(elsewhere)
    (output / "failures.jsonl").unlink(missing_ok=True)
    outside_log = tmp_path / "outside.jsonl"
    outside_log.write_text("", encoding="utf-8")
    (output / "failures.jsonl").symlink_to(outside_log)
    shutil.move(output / "warc", tmp_path / "warc")
    (output / "warc").symlink_to(tmp_path / "warc")
    warcs = sorted((tmp_path / "warc").iterdir())
    before = {p: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
    result = recrawl(output, "full=1")
    assert result.returncode == 2, result.stderr[-3000:]
    assert "symlink" in result.stderr
    no_crash(result.stderr)
    assert {p: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()} == before
    assert outside_log.read_text(encoding="utf-8") == ""
    assert sorted((tmp_path / "warc").iterdir()) == warcs


# --- an archive of another site -----------------------------------------------------------------

def test_the_manifest_says_which_site_the_archive_holds(crawled: Path) -> None:
    site = json.loads((crawled / MANIFEST).read_text(encoding="utf-8"))["site"]
    assert site["base_url"].startswith("http://127.0.0.1:")
    assert site["aliases"] == ["washingtonblade.com"]


def test_a_crawl_of_another_site_into_an_archive_is_refused(output: Path) -> None:
    before = archive_bytes(output)
    with SampleSite(n=30, seed=3) as site:
        other = site.url.replace("127.0.0.1", "localhost")
        command = ["crawl", "blade", "-a", f"base_url={other}"]
        refused = subprocess.run(
            [sys.executable, "-m", "scrapy", *command, "-s", f"BLADE_OUTPUT_DIR={output}",
             "-s", "BLADE_POLITE=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=90, check=False)
        assert refused.returncode == 2, refused.stderr[-3000:]
        assert "BLADE_ALLOW_OTHER_SITE" in refused.stderr and "localhost" in refused.stderr
        assert archive_bytes(output) == before
        allowed = subprocess.run(
            [sys.executable, "-m", "scrapy", *command, "-s", f"BLADE_OUTPUT_DIR={output}",
             "-s", "BLADE_ALLOW_OTHER_SITE=True", "-s", "BLADE_POLITE=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=90, check=False)
    assert allowed.returncode == 0, allowed.stderr[-3000:]


def test_the_demo_has_its_own_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    from blade_spider.cli import common, demo

    seen = {}

    def fake_run(settings: Any, **spider_args: Any) -> common.RunOutcome:
        seen["output"] = settings.get("BLADE_OUTPUT_DIR")
        return common.RunOutcome(error="not crawling in this test")

    monkeypatch.setattr(demo, "run_spider", fake_run)
    assert main(["demo", "--port", "0", "--articles", "1"]) == 2
    assert Path(seen["output"]).name == demo.DEMO_OUTPUT != "output"


# --- truncated downloads in the WARC ------------------------------------------------------------

def test_a_truncated_download_is_never_stored_as_whole(tmp_path: Path) -> None:
    output = tmp_path / "output"
    with SampleSite(n=30, seed=3) as site:
        post = site.archivable_posts()[0]
        site.inject(post.path, "truncated_gzip")
        result = crawl(site, output, f"url={site.url_for(post)}")
    assert not archived(output), result.stderr[-3000:]
    assert truncation_marks(output) == ["length"]


def truncation_marks(output: Path) -> list[str | None]:
    """``WARC-Truncated`` of every response record in the archive's WARC files; a re-parse
    (:func:`scan_warc`) must see none of them."""
    from warcio.archiveiterator import ArchiveIterator

    marks = []
    for path in output.glob("warc/*.warc.gz"):
        with path.open("rb") as handle:
            marks += [r.rec_headers.get_header("WARC-Truncated")
                      for r in ArchiveIterator(handle) if r.rec_type == "response"]
        assert not scan_warc(path).captures
    return marks


def test_a_short_body_is_never_stored_as_whole(tmp_path: Path) -> None:
    """A server that promises more bytes than it sends (DOWNLOAD_FAIL_ON_DATALOSS off)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (ROOT / "tests/fixtures/pages/blade2017_tillerson.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=UTF-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(page[: len(page) // 2])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    output = tmp_path / "output"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "blade", "-a", f"base_url={base}",
             "-a", f"url={base}/2017/09/05/{uuid.uuid4().hex}/",
             "-s", f"BLADE_OUTPUT_DIR={output}", "-s", "DOWNLOAD_FAIL_ON_DATALOSS=False",
             "-s", "ROBOTSTXT_OBEY=False", "-s", "BLADE_POLITE=False"],
            cwd=ROOT, capture_output=True, text=True, timeout=90, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert not archived(output), result.stderr[-3000:]
    assert truncation_marks(output) == ["length"]
