"""The server's answer to one request, before it is written to the socket.

Routes and faults build ``Response`` values; only the request handler touches sockets. Keeping the
answer a plain value is what lets faults be expressed as small transformations of it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote, unquote, urlsplit

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
JSON = "application/json; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"

# Who gives a response ``ETag``/``Last-Modified`` and answers a conditional request with 304
# (tests/fixtures/wordpress/site/responses.json holds what a stock WordPress sends):
#: stock WordPress (feeds) or the web server (files): always;
STOCK = "stock"
#: a page-caching plugin (pages, sitemaps, robots.txt served as files): only with
#: ``SampleSite(caching_plugin=True)``; stock WordPress sends none;
CACHED = "cached"
#: nobody (redirects, errors, faults, the REST API).
NONE = "none"


@dataclass(frozen=True)
class Response:
    """Status, body and headers; ``last_modified`` feeds ``Last-Modified`` and
    ``If-Modified-Since`` when ``validators`` says they are sent; ``action`` asks the handler to
    misbehave (``timeout``: say nothing and hang up; ``slow``: answer, but late; ``reset``: send
    part of the body, then reset the connection)."""

    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    action: str | None = None
    validators: str = CACHED


def html(text: str, status: int = 200, last_modified: datetime | None = None) -> Response:
    return Response(status, text.encode("utf-8"), HTML, last_modified=last_modified)


def xml(text: str, last_modified: datetime | None = None, content_type: str = XML,
        validators: str = CACHED) -> Response:
    return Response(200, text.encode("utf-8"), content_type, last_modified=last_modified,
                    validators=validators)


def text(body: str, last_modified: datetime | None = None) -> Response:
    return Response(200, body.encode("utf-8"), TEXT, last_modified=last_modified)


def as_json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, JSON, headers=dict(headers or {}), validators=NONE)


def redirect(location: str, status: int = 301) -> Response:
    """A redirect with WordPress's tiny body."""
    return Response(status, b"", HTML, headers={"Location": location}, validators=NONE)


def with_validators(response: Response, request_headers: dict[str, str],
                    caching_plugin: bool = False) -> Response:
    """Add ``ETag``/``Last-Modified`` to a 200 that carries them (see ``STOCK``, ``CACHED``) and
    answer 304 when the client's copy is current.

    ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110 13.2.2).
    """
    sent = response.validators == STOCK or (response.validators == CACHED and caching_plugin)
    if response.status != 200 or not sent:
        return response
    etag = '"' + hashlib.sha1(response.body).hexdigest() + '"'
    headers = {**response.headers, "ETag": etag}
    if response.last_modified is not None:
        headers["Last-Modified"] = http_date(response.last_modified)
    response = replace(response, headers=headers)
    if _not_modified(response, etag, request_headers):
        return replace(response, status=304, body=b"")
    return response


def _not_modified(response: Response, etag: str, request_headers: dict[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in request_headers.items()}
    if "if-none-match" in lowered:
        tags = [tag.strip() for tag in lowered["if-none-match"].split(",")]
        return etag in tags or "*" in tags
    since = lowered.get("if-modified-since")
    if since is None or response.last_modified is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return client.tzinfo is not None and response.last_modified.replace(microsecond=0) <= client


def http_date(moment: datetime) -> str:
    """``Tue, 05 Sep 2017 22:37:00 GMT``."""
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def normal_path(raw: str) -> str:
    """The path of a request target, percent-encoding normalised the way ``Post.path`` is, so
    ``/2012/…/kameny’s-…/``, ``%e2%80%99`` and ``%E2%80%99`` find the same post."""
    return quote(unquote(urlsplit(raw).path), safe="/")
