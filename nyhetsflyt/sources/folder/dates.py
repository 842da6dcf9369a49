"""Publication dates as news files state them: a crawl header's ` date 2022-02`, or an
export's ISO string or epoch number. A possible but absurd date is dropped, not trusted."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from nyhetsflyt.documents import DatePrecision
from nyhetsflyt.sources.folder.base import BadInput

DATE_HEADER = re.compile(r"^[ \t]*date[ \t]+(\d{4})-(\d{2})(?:-(\d{2}))?[ \t]*")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


def date_from_parts(year: str, month: str, day: str | None) -> tuple[datetime, DatePrecision]:
    try:
        value = datetime(int(year), int(month), int(day or 1), tzinfo=timezone.utc)
    except ValueError:
        raise BadInput(f"impossible date in header: {year}-{month}{'-' + day if day else ''}") from None
    return value, "day" if day else "month"


def parse_date(value: object) -> tuple[datetime | None, DatePrecision | None]:
    """Dates as exports write them: epoch seconds or milliseconds, ISO days, months or times."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, (int, float)):
        try:
            parsed = datetime.fromtimestamp(float(value) / (1000 if value > 1e11 else 1), timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None, None
        return (parsed, "second") if plausible(parsed) else (None, None)
    text = str(value).strip()
    precision: DatePrecision
    try:
        if _ISO_DAY.match(text):
            parsed, precision = datetime.fromisoformat(text).replace(tzinfo=timezone.utc), "day"
        elif _ISO_MONTH.match(text):
            parsed, precision = datetime.fromisoformat(text + "-01").replace(tzinfo=timezone.utc), "month"
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            precision = "second"
    except ValueError:
        return None, None
    return (parsed, precision) if plausible(parsed) else (None, None)


def plausible(value: datetime) -> bool:
    return 1800 <= value.year <= datetime.now(timezone.utc).year + 1
