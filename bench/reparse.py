"""Re-parsing at scale: ``blade reparse`` of a WARC-only archive with 1 worker and with one per
core, in captures per second and peak memory.

The archive is made without a crawl: each article page of an (unstarted) sample site is rendered
in process and written as the crawl's WARC capture middleware writes it
(:func:`~blade_spider.archive.warc.capture_records`, rotated files), so 50k captures take a minute
to make rather than the nine a crawl would. Each run re-parses a fresh copy (WARC files hard
linked, no records yet: every capture becomes a new record) with ``python -m blade_spider.cli
reparse --workers N``, as an operator runs it, so the figures include start-up, the scan of the
WARC files, the merge and the manifest. Memory is the proportional set size (PSS) of the whole
process tree (the command and its workers) polled with psutil: forked workers share the pages
they inherit, which plain RSS would count once per process. A run over the whole archive must not
grow with the archive, so a run on a tenth of the captures gives the figure to compare with. CPU
seconds (the tree's user + system time) show what parallel parsing costs beyond one process,
and the load average at the start says how much of the machine the run could have. On a shared
machine the measured speed-up says little, so the CPU split gives the bound an idle machine would
reach: the parent (scan, merge) runs alongside the workers, so N workers can at best take
``max(parent CPU, total CPU / N)`` of wall time.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import PYTHON, ROOT, WORK, psutil

#: WARC file size for the generated archive (the crawl's default is 1 GiB; smaller files give
#: the scan the many-file layout a long-lived archive has).
MAX_BYTES = 64 * 2**20
POLL_S = 0.1


@dataclass
class ReparseRun:
    label: str
    workers: int
    captures: int
    seconds: float
    cpu_seconds: float
    #: The command's own CPU (scan, merge, handing out work), without its workers'.
    parent_cpu_seconds: float
    peak_pss: int
    load: float
    summary: str

    @property
    def per_s(self) -> float:
        return self.captures / self.seconds if self.seconds else 0.0


@dataclass
class ReparseResult:
    captures: int
    cores: int
    runs: list[ReparseRun] = field(default_factory=list)

    def run(self, workers: int, captures: int | None = None) -> ReparseRun:
        wanted = captures or self.captures
        return next(r for r in self.runs if r.workers == workers and r.captures == wanted)

    @property
    def speedup(self) -> float:
        return self.run(self.cores).per_s / self.run(1).per_s

    @property
    def idle_bound(self) -> float:
        """The speed-up the CPU split allows on an idle machine (Amdahl): one worker's CPU over
        the larger of the parent's CPU and the total CPU spread over the cores."""
        many = self.run(self.cores)
        return self.run(1).cpu_seconds / max(many.parent_cpu_seconds,
                                             many.cpu_seconds / self.cores)

    @property
    def memory_growth(self) -> float:
        """Peak memory at the full size over a tenth of it (same workers): 0 is flat."""
        small = self.run(self.cores, self.captures // 10)
        return self.run(self.cores).peak_pss / small.peak_pss - 1


def build_archive(captures: int, where: Path) -> Path:
    """An archive holding only ``captures`` WARC captures of sample-site articles."""
    from scrapy.http import HtmlResponse, Request

    from blade_spider.archive.warc import WarcAppender, capture_records, gzip_member, warcinfo
    from blade_spider.sample_site import SampleSite

    site = SampleSite(n=int(captures * 1.1) + 20, seed=7)
    posts = site.archivable_posts()[:captures]
    if len(posts) < captures:
        raise RuntimeError(f"the sample site has only {len(posts)} archivable posts")
    appender = WarcAppender(where, "blade", MAX_BYTES, warcinfo("bench: generated captures"))
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    try:
        for post in posts:
            page = site.respond("GET", post.path, {})
            url = f"http://127.0.0.1{post.path}"
            headers = {"Content-Type": page.content_type, **page.headers}
            response = HtmlResponse(url, status=page.status, headers=headers, body=page.body)
            members = [gzip_member(r) for r in capture_records(Request(url), response, when, {})]
            appender.append(b"".join(members))
    finally:
        appender.close()
    return where


def _tree_pss(process: Any) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_full_info().pss
        except psutil.Error:  # a worker that has just exited
            continue
    return total


def measure(template: Path, workers: int, captures: int, label: str) -> ReparseRun:
    """One ``blade reparse --workers N`` of a fresh copy of ``template``."""
    output = WORK / f"reparse-{label}"
    shutil.rmtree(output, ignore_errors=True)
    shutil.copytree(template, output, copy_function=os.link)
    command = [PYTHON, "-m", "blade_spider.cli", "reparse", "--output", str(output),
               "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (WORK / f"reparse-{label}.log").open("w")
    load = os.getloadavg()[0]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log,
                            text=True)
    watched = psutil.Process(proc.pid)
    peak, parent_cpu = 0, 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, _tree_pss(watched))
            times = watched.cpu_times()
            parent_cpu = times.user + times.system
        except psutil.Error:
            break
        time.sleep(POLL_S)
    out = proc.communicate()[0]
    seconds = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.close()
    if proc.returncode != 0:
        raise RuntimeError(f"blade reparse --workers {workers} exited {proc.returncode}: "
                           f"{out[-500:]} (see {log.name})")
    shutil.rmtree(output, ignore_errors=True)
    cpu_seconds = (used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime)
    return ReparseRun(label, workers, captures, seconds, cpu_seconds, parent_cpu, peak, load,
                      out.strip().splitlines()[-1])


def run(captures: int) -> ReparseResult:
    """1 worker and one per core on ``captures``, and one per core on a tenth of them."""
    if psutil is None:
        raise RuntimeError("the re-parse figure needs psutil: pip install -e '.[bench]'")
    cores = os.cpu_count() or 1
    result = ReparseResult(captures, cores)
    small = captures // 10
    templates = {n: build_archive(n, WORK / f"reparse-template-{n}") for n in (small, captures)}
    result.runs.append(measure(templates[small], cores, small, f"{small}x{cores}"))
    for workers in (1, cores):
        result.runs.append(measure(templates[captures], workers, captures,
                                   f"{captures}x{workers}"))
    for template in templates.values():
        shutil.rmtree(template, ignore_errors=True)
    return result
