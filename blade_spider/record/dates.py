"""Publication dates in the site's zone, America/New_York.

Dates come from the page, never from the crawl clock. The Blade prints local times with a zone
label (``6:37 pm EDT``); metadata gives ISO timestamps in UTC or with an offset; some themes give
only a day. Everything is turned into one aware instant, written in New York time with the offset
of that instant (EDT ``-04:00`` or EST ``-05:00``), and remembers whether the source had a time of
day so that a day-only value can be flagged (and beaten by a more precise source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

SITE_TZ = ZoneInfo("America/New_York")

#: US zone labels the site prints, read as the fixed offsets they name.
ZONE_LABELS = {
    "EDT": timezone(timedelta(hours=-4)),
    "EST": timezone(timedelta(hours=-5)),
    "ET": None,  # "ET" names the zone, not an offset: read as New York local time
    "UTC": timezone.utc,
    "GMT": timezone.utc,
}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?)?$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|T\d{2}|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE)
_LABEL = re.compile(r"\b(EDT|EST|ET|UTC|GMT)\b")
_NOISE = re.compile(r"^\s*(published|posted|updated|on)\s*:?\s*", re.IGNORECASE)
_AT = re.compile(r"\s+at\s+", re.IGNORECASE)
#: A month name as the site prints it (``Sept.``, ``September``), shared with the date-line finder.
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
         r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
#: The Blade's printed form, ``September 5, 2017 at 6:37 pm EDT``: read directly, not by dateutil.
_PRINTED = re.compile(
    rf"^(?P<month>{MONTH})\s+(?P<day>\d{{1,2}}),\s+(?P<year>\d{{4}})"
    r"(?:\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<half>[ap])\.?m\.?"
    r"(?:\s+(?P<label>EDT|EST|ET|UTC|GMT))?)?$",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MIN_YEAR = 1969  # the Blade was founded in 1969; anything earlier is a parsing accident


@dataclass(frozen=True)
class PageDate:
    """A date read from a page: the instant, whether it had a time, and the raw text."""

    value: datetime
    has_time: bool
    raw: str
    note: str | None = None

    def isoformat(self) -> str:
        """ISO 8601 with the New York offset of this instant, to the second."""
        return self.value.isoformat(timespec="seconds")


def parse_page_date(raw: str | None) -> PageDate | None:
    """Parse a date as printed in a page or its metadata; ``None`` when it is not a date.

    Naive values are New York local time; a printed ``EDT``/``EST`` label is honoured as the
    offset it names, and a label that disagrees with the calendar is noted for audit.
    """
    if not raw or not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    if _ISO.match(text):  # metadata's ISO 8601: the standard library reads it, fast
        try:
            parsed_iso = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return _page_date(parsed_iso, text, has_time=len(text) > 10, label=None)
    printed = _printed_date(text)
    return printed if printed is not None else _any_date(text)


def _any_date(text: str) -> PageDate | None:
    """Any other form dateutil can read (``Posted on 5 Sept. 2017, 18:37``)."""
    cleaned = _AT.sub(" ", _NOISE.sub("", text))
    label_match = _LABEL.search(cleaned)
    label = label_match.group(1) if label_match else None
    try:
        parsed = dateutil_parser.parse(
            cleaned,
            tzinfos={k: v for k, v in ZONE_LABELS.items() if v is not None},
            fuzzy=False,
            default=datetime(2000, 1, 1),
        )
    except (ValueError, OverflowError):
        return None
    if not re.search(r"\b\d{4}\b", cleaned):  # "June 12" alone would take the default year
        return None
    return _page_date(parsed, text, bool(_HAS_TIME.search(cleaned)), label)


def _printed_date(text: str) -> PageDate | None:
    """``September 5, 2017 at 6:37 pm EDT`` (time and label optional); ``None`` for other forms
    (including impossible dates, which dateutil then gets to reject)."""
    match = _PRINTED.match(text)
    if not match:
        return None
    month = _MONTHS.index(match["month"][:3].lower()) + 1
    hour = minute = 0
    if match["hour"]:
        hour, minute = int(match["hour"]) % 12, int(match["minute"])
        hour += 12 if match["half"].lower() == "p" else 0
    label = match["label"].upper() if match["label"] else None
    try:
        parsed = datetime(int(match["year"]), month, int(match["day"]), hour, minute,
                          tzinfo=ZONE_LABELS.get(label) if label else None)
    except ValueError:
        return None
    return _page_date(parsed, text, has_time=bool(match["hour"]), label=label)


def _page_date(parsed: datetime, raw: str, has_time: bool, label: str | None) -> PageDate | None:
    """Range check, New York time, and a note when a printed EDT/EST label is off."""
    if not _MIN_YEAR <= parsed.year <= datetime.now().year + 1:
        return None
    local = parsed.replace(tzinfo=SITE_TZ) if parsed.tzinfo is None else parsed.astimezone(SITE_TZ)
    note = None
    if label in ("EDT", "EST"):
        calendar_label = local.tzname()
        if calendar_label != label:
            note = f"printed label {label} disagrees with the calendar ({calendar_label})"
    return PageDate(local, has_time, raw, note)
