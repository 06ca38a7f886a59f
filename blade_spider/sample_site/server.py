"""``SampleSite``: the local WordPress-like Blade, served on 127.0.0.1 from a daemon thread.

It is the test double for crawling: mutable (add, edit, remove posts, change robots.txt and
switches while it runs), observable (every request is logged with its headers and status) and
able to misbehave on demand (``inject``). Pages are rendered per request from an index that is
rebuilt after a change, so a 50,000-post site starts in seconds and answers in about a
millisecond.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from blade_spider.sample_site import faults, feeds
from blade_spider.sample_site.context import Context, Options
from blade_spider.sample_site.index import SiteIndex
from blade_spider.sample_site.model import (
    NY,
    Post,
    by_published,
    generate_posts,
    instant,
    make_post,
    shift,
)
from blade_spider.sample_site.responses import NONE, Response, normal_path, with_validators
from blade_spider.sample_site.routes import Target, route

HOST = "127.0.0.1"


class RequestLog(NamedTuple):
    """One request as the site saw it: ``(method, path_with_query, headers, status, at)``;
    status 0 means the site answered nothing (the ``timeout`` fault); ``at`` is when it arrived
    (``time.monotonic()``), to measure a crawler's pace."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float


class SampleSite:
    """A running sample site. Use as ``with SampleSite(n=30) as site: ... site.url ...`` or with
    ``start()``/``stop()``. All mutators are thread-safe and take effect on the next request."""

    def __init__(
        self,
        posts: Iterable[Post] | None = None,
        n: int = 30,
        seed: int = 0,
        *,
        sitemaps: bool = True,
        core_sitemaps: bool = True,
        feed: bool = True,
        rest_api: bool = True,
        archives: bool = True,
        robots_disallow: tuple[str, ...] = ("/wp-admin/", "/private/"),
        crawl_delay: float | None = None,
        caching_plugin: bool = False,
        protected_ids: Iterable[int] = (),
        port: int = 0,
    ) -> None:
        chosen = generate_posts(n, seed) if posts is None else list(posts)
        protected = set(protected_ids)
        self._posts = {p.id: replace(p, protected=True) if p.id in protected else p for p in chosen}
        self._options = Options(
            sitemaps, core_sitemaps, feed, rest_api, archives, tuple(robots_disallow), crawl_delay,
            caching_plugin=caching_plugin,
        )
        self._lock = threading.RLock()
        self._index: SiteIndex | None = None
        self._robots_override: str | None = None
        self._robots_post = _robots_post(chosen)
        self._faults = faults.FaultBook()
        self._log: list[RequestLog] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._port = port
        self._bound_port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        #: How long the ``timeout`` fault keeps the client waiting before hanging up.
        self.timeout_sleep = 5.0
        #: How late the ``slow`` fault answers.
        self.slow_sleep = 1.0
        #: Body size the ``oversize`` fault exceeds.
        self.oversize_bytes = 12 * 2**20

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> SampleSite:
        """Bind (``port=0``: any free port) and serve from a daemon thread; idempotent."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((HOST, self._port), _Handler, self)
        self._bound_port = self._server.server_address[1]
        self._context()  # build the index now, not on the first request
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"sample-site-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end sleeping faults and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port; still known after ``stop()`` so results can be checked afterwards."""
        if self._bound_port is None:
            raise RuntimeError("the sample site was never started; call start() first")
        return self._bound_port

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{HOST}:{self.port}"

    # -- content ------------------------------------------------------------------------------

    @property
    def posts(self) -> list[Post]:
        """Every post, oldest first, including removed ones (``status`` 404/410)."""
        with self._lock:
            return sorted(self._posts.values(), key=by_published)

    def post(self, post_id: int) -> Post:
        with self._lock:
            return self._posts[post_id]

    def url_for(self, post: Post | int) -> str:
        """The canonical URL of a post on this running site."""
        found = self.post(post) if isinstance(post, int) else post
        return self.url + found.path

    def archivable_posts(self) -> list[Post]:
        """What a polite crawl should archive: live, not password-protected, not disallowed."""
        blocked = self.disallowed_paths
        return [
            p for p in self.posts if p.live and not p.protected and not p.path.startswith(blocked)
        ]

    def add_post(self, post: Post) -> None:
        """Publish a new post (its id and permalink must be unused)."""
        with self._lock:
            index = self._current_index()
            if post.id in self._posts or post.path in index.by_path:
                raise ValueError(f"post id {post.id} or path {post.path} already exists")
            self._posts[post.id] = post
            self._index = None

    def create_post(self, **changes: object) -> Post:
        """Generate, publish and return a new post: next free id, published now unless given."""
        with self._lock:
            post_id = max(self._posts, default=1000) + 1
            published = changes.pop("published", _now())
            post = make_post(post_id, published, **changes)  # type: ignore[arg-type]
            self.add_post(post)
            return post

    def update_post(self, post_id: int, **changes: object) -> Post:
        """Edit a post; ``modified`` moves to now (strictly later than before) unless given."""
        with self._lock:
            old = self._posts[post_id]
            if "modified" not in changes:
                changes["modified"] = max(
                    _now(), shift(old.modified, timedelta(seconds=1)), key=instant
                )
            new = replace(old, **changes)  # type: ignore[arg-type]
            self._posts[post_id] = new
            self._index = None
            return new

    def remove_post(self, post_id: int, status: int = 410) -> Post:
        """Take a post down: it answers ``status`` (404 or 410) and leaves every listing."""
        if status not in (404, 410):
            raise ValueError("status must be 404 or 410")
        with self._lock:
            new = replace(self._posts[post_id], status=status)
            self._posts[post_id] = new
            self._index = None
            return new

    def redirect_post(self, post_id: int, to_post_id: int, status: int = 301) -> Post:
        """Take a post down and send its readers to another one (a redirect plugin's answer):
        its permalink answers ``status`` with the other's as ``Location``; it leaves every
        listing."""
        if status not in (301, 302, 307, 308):
            raise ValueError("status must be a redirect (301, 302, 307 or 308)")
        with self._lock:
            target = self._posts[to_post_id].path
            new = replace(self._posts[post_id], status=status, redirect_to=target)
            self._posts[post_id] = new
            self._index = None
            return new

    # -- switches -----------------------------------------------------------------------------

    def set_robots(self, text: str | None) -> None:
        """Serve ``text`` as robots.txt (``None``: back to the generated one)."""
        with self._lock:
            self._robots_override = text

    @property
    def robots_txt(self) -> str:
        return feeds.robots_txt(self._context())

    @property
    def disallowed_paths(self) -> tuple[str, ...]:
        """The ``Disallow`` prefixes of the robots.txt being served (any user agent)."""
        lines = (line.partition("#")[0].strip() for line in self.robots_txt.splitlines())
        return tuple(
            value.strip()
            for name, _, value in (line.partition(":") for line in lines)
            if name.strip().lower() == "disallow" and value.strip()
        )

    def set_option(self, name: str, value: object) -> None:
        """Change a constructor switch (``sitemaps``, ``feed``, ``crawl_delay``…) or
        ``timeout_sleep`` / ``slow_sleep`` / ``oversize_bytes`` while the site runs."""
        if name in ("timeout_sleep", "slow_sleep", "oversize_bytes"):
            setattr(self, name, value)
            return
        if name not in {f.name for f in fields(Options)}:
            raise ValueError(f"unknown option {name!r}")
        with self._lock:
            self._options = replace(self._options, **{name: value})

    @property
    def options(self) -> Options:
        return self._options

    # -- faults and observation ---------------------------------------------------------------

    def inject(self, path: str, fault: str, times: int | None = None) -> None:
        """Make ``path`` (optionally with ``?query``) misbehave for ``times`` requests (None:
        until ``clear_faults``). Faults are listed in ``faults.FAULTS``."""
        self._faults.inject(normal_path(path) + _query_part(path), fault, times)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def requests(self) -> list[RequestLog]:
        """A snapshot of every request so far, in arrival order."""
        with self._log_lock:
            return list(self._log)

    def reset_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    # -- serving ------------------------------------------------------------------------------

    def respond(self, method: str, target: str, headers: dict[str, str]) -> Response:
        """The answer to one request, faults included; called by the handler threads."""
        ctx = self._context()
        query = urlsplit(target).query
        path = normal_path(target)
        params = dict(parse_qsl(query, keep_blank_values=True))
        hop = faults.chain_hop(ctx, path, params)
        if hop is not None:
            return hop
        # The last hop of a chain is the page itself: the path's fault is not taken again.
        chain_end = faults.HOP in params
        fault = None if chain_end else self._faults.take(
            *((f"{path}?{query}", path) if query else (path,)))
        if fault in faults.REPLACING:
            return faults.replacing(fault, ctx, path, params)
        response = route(ctx, Target(path, query, params, faults.omitted(fault)))
        if fault in faults.TRANSFORMING:
            response = faults.transform(fault, response, self.oversize_bytes)
        return with_validators(response, headers, ctx.options.caching_plugin)

    def record(self, method: str, target: str, headers: dict[str, str], status: int,
               at: float) -> None:
        with self._log_lock:
            self._log.append(RequestLog(method, target, headers, status, at))

    def wait_stopping(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when the site stops."""
        self._stopping.wait(seconds)

    def _context(self) -> Context:
        with self._lock:
            return Context(
                self.url if self._bound_port else f"http://{HOST}",
                self._current_index(),
                self._options,
                extra_disallow=(self._robots_post,) if self._robots_post else (),
                robots_override=self._robots_override,
            )

    def _current_index(self) -> SiteIndex:
        if self._index is None:
            self._index = SiteIndex(self._posts.values())
        return self._index


def _robots_post(posts: list[Post]) -> str | None:
    """The permalink robots.txt disallows, so crawls can prove they obey it: the live post a
    third of the way through the archive (none for sites of fewer than three posts)."""
    live = sorted((p for p in posts if p.live), key=by_published)
    return live[len(live) // 3].path if len(live) >= 3 else None


def _now() -> datetime:
    return datetime.now(NY).replace(microsecond=0)


def _query_part(target: str) -> str:
    query = urlsplit(target).query
    return f"?{query}" if query else ""


class _Server(ThreadingHTTPServer):
    """A threading server that remembers its open connections so ``stop()`` can close them
    (idle keep-alive connections would otherwise hold handler threads)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type, site: SampleSite) -> None:
        super().__init__(address, handler)
        self.site = site
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(connection)

    def close_all(self) -> None:
        self.server_close()
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Turns a ``Response`` into bytes on the wire, or into the misbehaviour it asks for."""

    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def version_string(self) -> str:
        """``Server: nginx``, as the real site's front end says."""
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: ``SampleSite.requests`` is the log."""

    def _answer(self, head: bool) -> None:
        arrived = time.monotonic()
        site = self.server.site
        headers = dict(self.headers.items())
        try:
            response = site.respond(self.command, self.path, headers)
        except Exception:  # a bug here must surface as a 500 the test can see, not a hang
            traceback.print_exc(file=sys.stderr)
            response = Response(500, b"sample site error", validators=NONE)
        site.record(self.command, self.path, headers, response.status, arrived)
        if response.action == "timeout":
            self.close_connection = True
            site.wait_stopping(site.timeout_sleep)
            return
        if response.action == "slow":
            site.wait_stopping(site.slow_sleep)
        try:
            self._send(response, head)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if head or response.status == 304:
            return
        if response.action == "reset":
            self._reset(response.body)
        else:
            self.wfile.write(response.body)

    def _reset(self, body: bytes) -> None:
        """Send half the body, then close with ``SO_LINGER`` 0 so the peer gets a TCP RST."""
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
