"""The folder source: find news files, decode them, and turn each into SourceDocuments.

Formats are detected from the content (the extension only breaks ties):
    crawl_text   first line ` date YYYY-MM` (or a full date), then one paragraph per line or
                 blank-line separated paragraphs; a title may or may not come first
    plain_text   title on the first line, then one paragraph per line
    jsonl        one article per JSON object (title, text, date, tags, id; any case)
    html         an article page, extracted with the same extractor as the web source

Anything that cannot be read becomes a `BadInput` with a reason a person can act on.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nyhetsflyt.documents import Block, DatePrecision, Failure, SourceDocument

MAX_FILE_BYTES = 20 * 1024 * 1024
# Real pages nest a few dozen elements deep; browsers stop nesting at 512. Deeper is hostile
# (or broken) and would cost the extractor time that grows with the square of the depth.
MAX_HTML_DEPTH = 512
TEXT_SUFFIXES = {".txt", ".text", ".jsonl", ".ndjson", ".json", ".html", ".htm", ""}
# Sidecar files written by the inbox mode and editor droppings are not news.
IGNORED_SUFFIXES = {".reason.json"}


class BadInput(Exception):
    """A file (or record) that cannot become an article; the message is the reason."""


@dataclass(slots=True)
class FileRead:
    """What one file yielded: documents, per-record failures, and pages skipped on purpose."""

    path: Path
    documents: list[SourceDocument] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Every news file under the given files and folders, recursively, in a stable order."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            candidates = (p for p in path.rglob("*") if p.is_file())
        elif path.exists():
            candidates = iter([path])
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
        for candidate in candidates:
            if any(part.startswith(".") for part in candidate.relative_to(path).parts if path.is_dir()):
                continue  # hidden files and folders: .git, .DS_Store, editor swap files
            if candidate.name.endswith(tuple(IGNORED_SUFFIXES)):
                continue
            found.add(candidate.resolve())
    return sorted(found)


# -- decoding -------------------------------------------------------------------------------

# Letters that Norwegian text written in Windows-1252/Latin-1 plausibly contains.
_PLAUSIBLE_NON_ASCII = set("æøåÆØÅéèêëÉÈüöäÜÖÄóòôÓáàâíìñçÇšžŠŽčćđ«»–—‘’‚“”„…•€°§½¼¾×·´¨ ")


def decode(data: bytes) -> tuple[str, str]:
    """Decode news text: UTF-8 (with or without BOM), else Windows-1252 if it reads as such.

    Returns (text, encoding name). Line endings are normalised to \\n.
    """
    if not data.strip():
        raise BadInput("empty file")
    if b"\x00" in data:  # anywhere: PostgreSQL text cannot hold NUL, so it must not get that far
        raise BadInput("binary content (NUL bytes); UTF-16 and other encodings are not supported")
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        text = _decode_windows_1252(data, error)
        encoding = "windows-1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f")
    if control > max(2, len(text) // 1000):
        raise BadInput(f"binary content ({control} control characters)")
    return text, encoding


def _decode_windows_1252(data: bytes, error: UnicodeDecodeError) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise BadInput(
            f"not UTF-8 (invalid byte at offset {error.start}) and not Windows-1252 either: "
            "unknown encoding"
        ) from None
    letters = [ch for ch in text if ch.isalpha()]
    odd = [ch for ch in text if ord(ch) > 127 and ch not in _PLAUSIBLE_NON_ASCII]
    if not letters or len(odd) > max(3, len(letters) // 50):
        raise BadInput(
            f"not UTF-8 (invalid byte at offset {error.start}) and does not read as "
            f"Windows-1252/Latin-1 Norwegian text ({len(odd)} unlikely characters): unknown encoding"
        )
    return text


# -- format detection and parsing -----------------------------------------------------------

_DATE_HEADER = re.compile(r"^[ \t]*date[ \t]+(\d{4})-(\d{2})(?:-(\d{2}))?[ \t]*")
_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


class _DepthCounter:
    """lxml parser target that only measures how deep elements nest, as a tree builder sees it."""

    def __init__(self) -> None:
        self.depth = self.deepest = 0

    def start(self, tag, attrib) -> None:
        self.depth += 1
        self.deepest = max(self.deepest, self.depth)

    def end(self, tag) -> None:
        self.depth -= 1

    def data(self, data) -> None:
        pass

    def close(self) -> int:
        return self.deepest


def html_nesting_depth(text: str) -> int:
    """How deep the elements of an HTML page nest, in one linear pass without building a tree."""
    from lxml import etree

    parser = etree.HTMLParser(target=_DepthCounter(), recover=True)
    parser.feed(text)
    return parser.close()


def detect_format(text: str, suffix: str = "") -> str:
    head = text.lstrip()[:2048]
    if suffix in {".html", ".htm"} or _HTML_START.match(head):
        return "html"
    if suffix in {".jsonl", ".ndjson", ".json"} or head.startswith("{"):
        return "jsonl"
    if _DATE_HEADER.match(text):
        return "crawl_text"
    body = text.strip()
    if re.search(r"\n[ \t]*\n", body):
        return "crawl_text"  # blank-line paragraphs without a date header
    return "plain_text"


def read_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> FileRead:
    """Read one file into documents; never raises for bad content, reports it instead."""
    result = FileRead(path)
    uri = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadInput(f"file too large: {size:,} bytes (limit {max_bytes:,})")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
        text, encoding = decode(data)
        kind = detect_format(text, path.suffix.lower())
        if kind == "html":
            from nyhetsflyt.html_extract import NotAnArticle, extract_article

            depth = html_nesting_depth(text)
            if depth > MAX_HTML_DEPTH:
                raise BadInput(f"HTML nested {depth:,} elements deep (limit {MAX_HTML_DEPTH}): "
                               "not a news page")
            try:
                document = extract_article(text, url=path.as_uri())
            except NotAnArticle as reason:
                result.skipped.append(Failure(uri, "read", f"not an article: {reason}"))
                return result
            document.source_uri = uri
            document.source_format = "html"
            document.encoding = encoding
            result.documents.append(document)
        elif kind == "jsonl":
            for number, record in _json_records(text):
                record_uri = f"{uri}#{number}"
                try:
                    result.documents.append(parse_json_record(record, record_uri, encoding))
                except BadInput as reason:
                    result.failures.append(Failure(record_uri, "read", str(reason)))
        else:
            result.documents.append(parse_text(text, uri, kind, encoding))
    except BadInput as reason:
        result.failures.append(Failure(uri, "read", str(reason)))
    except OSError as error:
        result.failures.append(Failure(uri, "read", f"cannot read file: {error.strerror or error}"))
    return result


def parse_text(text: str, uri: str, kind: str, encoding: str = "utf-8") -> SourceDocument:
    published, precision = None, None
    body = text
    match = _DATE_HEADER.match(text)
    if match:
        published, precision = _date_from_parts(*match.groups())
        if not _plausible(published):
            published, precision = None, None  # a possible but absurd date is dropped, not trusted
        body = text[match.end():]
    lines = [line for line in body.split("\n") if line.strip()]
    if not lines:
        raise BadInput("no text after the header")
    blocks = [Block(line) for line in lines]
    if kind == "plain_text":
        blocks[0].hint = "title"
    return SourceDocument(
        source_uri=uri,
        source_format=kind,
        blocks=blocks,
        raw_text=text,
        published=published,
        published_precision=precision,
        encoding=encoding,
    )


def _date_from_parts(year: str, month: str, day: str | None) -> tuple[datetime, DatePrecision]:
    try:
        value = datetime(int(year), int(month), int(day or 1), tzinfo=timezone.utc)
    except ValueError:
        raise BadInput(f"impossible date in header: {year}-{month}{'-' + day if day else ''}") from None
    return value, "day" if day else "month"


def _json_records(text: str) -> Iterator[tuple[int, object]]:
    """Records of JSON Lines, or of one JSON document (an object, or an array of objects)."""
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        whole = None  # JSON Lines (more than one value), or broken: read line by line
    else:
        if isinstance(whole, list):
            yield from enumerate(whole, start=1)
        else:
            yield 1, whole
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, BadInput(f"line {number} is not JSON: {error.msg}")
        except RecursionError:
            yield number, BadInput(f"line {number} nests JSON too deep to read")


_FIELD_ALIASES = {
    "title": ("title", "content_title", "headline"),
    "text": ("text", "body", "content", "article"),
    "date": ("date", "published", "published_date", "published_at", "datepublished"),
    "tags": ("tags", "content_tags", "keywords", "topics"),
    "id": ("id", "content_id", "article_id", "guid"),
    "url": ("url", "link", "source_url"),
    "authors": ("authors", "author", "byline"),
}


def parse_json_record(record: object, uri: str, encoding: str = "utf-8") -> SourceDocument:
    if isinstance(record, BadInput):
        raise record
    if not isinstance(record, dict):
        raise BadInput("record is not a JSON object")
    _refuse_unstorable_text(record)
    lowered = {str(key).lower(): value for key, value in record.items()}

    def field_value(name: str):
        for alias in _FIELD_ALIASES[name]:
            if lowered.get(alias) not in (None, ""):
                return lowered[alias]
        return None

    text = field_value("text")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("record has no text")
    title = field_value("title")
    title = title.strip() if isinstance(title, str) and title.strip() else None
    text = text.replace("\r\n", "\n")
    blocks = [Block(line) for line in text.split("\n") if line.strip()]
    if title and blocks and _same_text(blocks[0].text, title):
        blocks[0].hint = "title"  # many exports repeat the title as the first line
    published, precision = _parse_date(field_value("date"))
    external_id = field_value("id")
    return SourceDocument(
        source_uri=str(field_value("url") or uri),
        source_format="jsonl",
        blocks=blocks,
        raw_text=json.dumps(record, ensure_ascii=False),
        title=title,
        published=published,
        published_precision=precision,
        authors=_string_list(field_value("authors")),
        tags=_string_list(field_value("tags")),
        external_id=str(external_id) if external_id is not None else None,
        encoding=encoding,
    )


def _refuse_unstorable_text(record: object) -> None:
    """JSON escapes can smuggle in what no UTF-8 file holds: NUL and lone surrogates."""
    for text in _strings(record):
        if "\x00" in text:
            raise BadInput("record contains NUL characters")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadInput(f"record contains invalid Unicode (lone surrogate {text[error.start]!r})") from None


def _strings(value: object) -> Iterator[str]:
    stack = [value]
    while stack:  # iterative: a record nested thousands deep must not exhaust the stack
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _string_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):  # a list serialised as a string, as some exports do
            try:
                return _string_list(json.loads(stripped))
            except json.JSONDecodeError:
                pass
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [str(value)]


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _parse_date(value: object) -> tuple[datetime | None, DatePrecision | None]:
    """Dates as exports write them; an absurd date is dropped, not trusted."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, (int, float)):
        try:
            parsed = datetime.fromtimestamp(float(value) / (1000 if value > 1e11 else 1), timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None, None
        return (parsed, "second") if _plausible(parsed) else (None, None)
    text = str(value).strip()
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
    return (parsed, precision) if _plausible(parsed) else (None, None)


def _plausible(value: datetime) -> bool:
    return 1800 <= value.year <= datetime.now(timezone.utc).year + 1
