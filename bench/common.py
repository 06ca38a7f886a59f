"""Shared plumbing for the benchmark: where things live, the machine, the loopback guard, and
running a crawl as a monitored subprocess.

Every crawl runs as the operator runs it (``python -m scrapy crawl blade`` from the project
directory) so the figures include Scrapy's real start-up, settings and pipelines. Peak memory is
the kernel's high-water mark of the crawl process's own address space (``VmHWM`` in
``/proc/<pid>/status``, polled: it only ever rises, so a spike between two polls is still
counted), and the polled RSS gives the curve over time that shows a leak's shape.

Not ``ru_maxrss`` from ``wait4``: on Linux a child's ``ru_maxrss`` starts at the RSS the parent
had when it forked (``exec`` keeps the old address space's high-water mark), so every crawl would
report at least the benchmark driver's own size, e.g. after it held 10,000 records to check the
incremental run.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
#: Scratch space (git-ignored): archives, logs, site processes' output.
WORK = BENCH / "_work"
PYTHON = sys.executable
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MB = 2**20

try:  # an optional extra: without it RSS is sampled from /proc (Linux only)
    import psutil
except ImportError:  # pragma: no cover - the bench extra installs it
    psutil = None


# --- the machine ---------------------------------------------------------------------------------


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """What a reader needs to compare these figures with their own: CPU, cores, RAM, versions,
    and the exact commit measured (the code changes under a benchmark; the figures belong to
    one revision)."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "blade_spider")
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Scrapy": package_version("scrapy"),
        "lxml": package_version("lxml"),
        "trafilatura": package_version("trafilatura"),
        "newspaper4k": package_version("newspaper4k"),
        "pandas": package_version("pandas"),
        "blade_spider commit": commit + (" (blade_spider/ has uncommitted changes)"
                                         if dirty else ""),
    }


def _git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


# --- loopback only -------------------------------------------------------------------------------


def _host_of(address: Any) -> str | None:
    return address[0] if isinstance(address, tuple) else None


def guard_loopback() -> None:
    """Make this process unable to reach anything but 127.0.0.1.

    newspaper4k downloads a page's images to rank them unless told not to, and any library may
    resolve a host name; in a benchmark that must only ever talk to 127.0.0.1 a stray
    connection has to fail at once, loudly, not time out against the internet.
    """
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        host = _host_of(address)
        if host is not None and host not in LOOPBACK:
            raise OSError(f"benchmark tried to reach {host}: only 127.0.0.1 is allowed")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in LOOPBACK:
            raise socket.gaierror(f"benchmark tried to resolve {name}: only 127.0.0.1 allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


# --- timing --------------------------------------------------------------------------------------


def timed_rounds(func: Callable[[], object], rounds: int) -> list[float]:
    """Wall seconds of ``rounds`` calls of ``func`` (the caller takes the median: one slow
    round from a page-cache miss or a noisy neighbour should not decide a ratio)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- the sample site in its own process ----------------------------------------------------------


class SiteProcess:
    """``bench/site_server.py``: a :class:`SampleSite` served from a separate process.

    A separate process, so the site's rendering (about 1 ms a page) runs on the other core and
    never takes CPU from the crawler being measured; with a line-based JSON control channel on
    stdin, so the benchmark can still add and edit posts and read the request log the way the
    tests do with an in-process site.
    """

    def __init__(self, articles: int, seed: int, log: Path) -> None:
        self.articles = articles
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "site_server.py"), "--articles", str(articles),
             "--seed", str(seed)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, bufsize=1,
        )
        hello = self._read()
        self.url: str = hello["url"]
        self.archivable: int = hello["archivable"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the sample site process died (see {self._log.name})")
        return json.loads(line)

    def command(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()  # EOF: the server stops and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> SiteProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- a monitored crawl ---------------------------------------------------------------------------


@dataclass
class CrawlRun:
    """One ``scrapy crawl blade`` subprocess: its exit, timings, memory and Scrapy stats."""

    label: str
    returncode: int
    wall_s: float
    peak_rss: int  # bytes: the crawl process's VmHWM (else the largest RSS sample)
    rss_curve: list[tuple[float, int]]  # (seconds since start, RSS bytes), sampled
    stats: dict[str, float]
    summary: str
    output: Path
    log: Path
    timed_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    @property
    def articles(self) -> int:
        return int(self.stats.get("item_scraped_count", 0))

    @property
    def elapsed_s(self) -> float:
        """Scrapy's own engine time (spider opened → closed), without interpreter start-up."""
        return float(self.stats.get("elapsed_time_seconds") or self.wall_s)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def articles_per_s(self) -> float:
        return self.articles / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


_STAT_LINE = re.compile(r"^[{ ]'([^']+)': (-?[0-9][0-9.e+-]*),?}?$")


def parse_stats(log_text: str) -> dict[str, float]:
    """The numeric entries of Scrapy's end-of-crawl ``Dumping Scrapy stats`` dictionary."""
    stats: dict[str, float] = {}
    _, found, tail = log_text.rpartition("Dumping Scrapy stats:")
    if not found:
        return stats
    for line in tail.splitlines()[1:]:
        match = _STAT_LINE.match(line)
        if match:
            value = match.group(2)
            stats[match.group(1)] = float(value) if "." in value or "e" in value else int(value)
        elif line and not line.startswith((" ", "{")):
            break
    return stats


def _rss(pid: int) -> int | None:
    """Current RSS in bytes (psutil, else ``/proc``), or None once the process is gone."""
    if psutil is not None:
        try:
            return int(psutil.Process(pid).memory_info().rss)
        except psutil.Error:
            return None
    return _proc_status(pid).get("VmRSS")


def _proc_status(pid: int) -> dict[str, int]:
    """The ``kB`` fields of ``/proc/<pid>/status`` in bytes (empty off Linux or once gone)."""
    fields: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        name, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB":
            fields[name] = int(parts[0]) * 1024
    return fields


def run_crawl(label: str, base_url: str, output: Path, *, settings: dict[str, str] | None = None,
              spider_args: tuple[str, ...] = (), timeout: float = 900,
              sample_every: float = 0.25, profile: Path | None = None) -> CrawlRun:
    """``python -m scrapy crawl blade -a base_url=... -s BLADE_OUTPUT_DIR=...`` from the
    project directory, as :func:`tests.conftest.crawl` runs it, watched until it exits.

    A crawl still running after ``timeout`` seconds is stopped (SIGINT, then SIGKILL), so a
    regression can make the benchmark slow but never endless. ``profile``: run it under
    ``python -m cProfile -o profile`` instead (slower; for the where-does-the-time-go table).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    log = output.parent / f"{output.name}.log"
    command = [PYTHON, *(["-m", "cProfile", "-o", str(profile)] if profile else []),
               "-m", "scrapy", "crawl", "blade", "-a", f"base_url={base_url}"]
    for arg in spider_args:
        command += ["-a", arg]
    # The sample site runs on this machine: politeness off, as the tests crawl it. The stats
    # dump is at DEBUG by default; the figures are read from it (parse_stats).
    command += ["-s", f"BLADE_OUTPUT_DIR={output}", "-s", "LOG_LEVEL=INFO",
                "-s", "BLADE_POLITE=False", "-s", "STATS_DUMP=True"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    start = time.perf_counter()
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
    curve: list[tuple[float, int]] = []
    hwm = [0]
    timed_out = False
    status, usage = _wait_watching(proc, start, timeout, sample_every, curve, hwm)
    if status is None:  # over time: stop it the way Ctrl-C would, then for sure
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        status, usage = _wait_watching(proc, start, timeout + 60, sample_every, curve, hwm)
        if status is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = hwm[0] or max((rss for _, rss in curve), default=0)
    text = log.read_text(encoding="utf-8", errors="replace")
    summary = next((line.split("INFO: ", 1)[-1] for line in reversed(text.splitlines())
                    if "Crawl summary:" in line), "")
    run = CrawlRun(label, proc.returncode, wall, peak, curve, parse_stats(text), summary,
                   output, log, timed_out)
    # CPU seconds of the crawl process: steadier than wall-clock rates when comparing two
    # settings, because waiting on the site or on a busy neighbour does not count.
    run.extra["cpu_s"] = usage.ru_utime + usage.ru_stime
    return run


def _wait_watching(proc: subprocess.Popen[bytes], start: float, timeout: float,
                   every: float, curve: list[tuple[float, int]],
                   hwm: list[int]) -> tuple[Any, Any]:
    """Sample the child's RSS (into ``curve``) and high-water mark (``hwm[0]``) until it exits
    (``(status, rusage)``) or ``timeout`` passes (``(None, None)``)."""
    while time.perf_counter() - start < timeout:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage
        rss = _rss(proc.pid)
        if rss is not None:
            curve.append((round(time.perf_counter() - start, 2), rss))
        hwm[0] = max(hwm[0], _proc_status(proc.pid).get("VmHWM", 0))
        time.sleep(every)
    return None, None


def dir_bytes(path: Path, pattern: str = "**/*") -> int:
    return sum(p.stat().st_size for p in path.glob(pattern) if p.is_file())


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the block's wall seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)
