"""Dates as pages state them, with their precision and time zone.

A date is taken from what the page declares about its article (JSON-LD, meta tags, `<time>`
in the article), in that order of trust; only a page that declares nothing goes to
htmldate, which reads URLs, text and markup patterns. A time without an offset is the
newsroom's local time; a date without a time has the precision "day".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import lxml.html

from nyhetsflyt.documents import DatePrecision

# Times a page states without an offset are Norwegian newsroom times.
NEWSROOM_TZ = ZoneInfo("Europe/Oslo")

PageDate = tuple[datetime, DatePrecision]

_DAY_ONLY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMERIC_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_FRACTION = re.compile(r"(\.\d+)")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\D+(\d{1,2})[.:](\d{2}))?")
_EPOCH = re.compile(r"\d{10}(?:\d{3})?")


def parse_page_datetime(value: str) -> PageDate | None:
    """A date as pages write it (ISO 8601, RFC 2822, 04.08.2024 kl. 01.38) → aware datetime."""
    text = value.strip()
    if not text:
        return None
    if m := _DAY_ONLY.fullmatch(text):
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=NEWSROOM_TZ), "day"
        except ValueError:
            return None
    parsed = _iso(text) or _rfc2822(text) or _dotted(text) or _epoch(text)
    if parsed is None:
        return None
    if isinstance(parsed, tuple):
        return parsed
    if parsed.year < 1900:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NEWSROOM_TZ)
    return parsed.replace(microsecond=0), "second"


def _iso(text: str) -> datetime | None:
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    iso = _NUMERIC_OFFSET.sub(r"\1:\2", iso)
    # Python 3.11 reads 1-6 fraction digits; pages write 1-9.
    iso = _FRACTION.sub(lambda m: m[1][:7].ljust(4, "0") if len(m[1]) > 1 else "", iso, count=1)
    if " " in iso and "T" not in iso and re.match(r"\d{4}-\d{2}-\d{2} \d", iso):
        iso = iso.replace(" ", "T", 1)
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not re.match(r"^[A-Za-z]{3},?\s+\d", text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)  # "-0000": UTC of unknown origin
    return parsed


def _dotted(text: str) -> datetime | PageDate | None:
    if not (m := _DOTTED.match(text)):
        return None
    try:
        parsed = datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4] or 0), int(m[5] or 0))
    except ValueError:
        return None
    if m[4] is None:
        return parsed.replace(tzinfo=NEWSROOM_TZ), "day"
    return parsed


def _epoch(text: str) -> datetime | None:
    if not _EPOCH.fullmatch(text):
        return None
    seconds = int(text[:10])
    if not 946_684_800 <= seconds <= 4_102_444_800:  # 2000 … 2100
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def first_date(candidates: Iterable[str | None]) -> PageDate | None:
    """The first candidate that parses as a date."""
    for candidate in candidates:
        if candidate and (parsed := parse_page_datetime(candidate)):
            return parsed
    return None


def htmldate_guess(tree: lxml.html.HtmlElement, url: str) -> PageDate | None:
    """htmldate's reading of a page that declares no date: URL, markup and text patterns."""
    import htmldate

    try:
        found = htmldate.find_date(tree, url=url or None, original_date=True, extensive_search=False,
                                   outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate reads arbitrary text; a failure there is no date, not an error
        return None
    if not found:
        return None
    parsed = parse_page_datetime(found)
    if parsed is None:
        return None
    moment, _ = parsed
    # htmldate writes midnight when it found only a day.
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.replace(tzinfo=NEWSROOM_TZ), "day"
    return moment, "second"
