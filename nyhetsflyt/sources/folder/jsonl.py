"""JSON Lines (one article per object; field names in any case and under common aliases), or
one JSON document holding an object or an array of them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from nyhetsflyt.documents import Block, Failure, SourceDocument
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, Format
from nyhetsflyt.sources.folder.dates import parse_date


def _json_records(file: DecodedFile) -> Iterator[tuple[int, object]]:
    """Records of JSON Lines, or of one JSON document (an object, or an array of objects)."""
    whole = file.json_document()
    if whole is not None:
        if isinstance(whole, list):
            yield from enumerate(whole, start=1)
        else:
            yield 1, whole
        return
    # JSON Lines (more than one value), or broken: read line by line
    for number, line in enumerate(file.text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, BadInput(f"line {number} is not JSON: {error.msg}")
        except RecursionError:
            yield number, BadInput(f"line {number} nests JSON too deep to read")


# The fields that make a JSON object an article record: its text, under any of these names.
TEXT_FIELDS = ("text", "body", "content", "article")

_FIELD_ALIASES = {
    "title": ("title", "content_title", "headline"),
    "text": TEXT_FIELDS,
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
    published, precision = parse_date(field_value("date"))
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


_RECORD_FIELDS = frozenset(alias for aliases in _FIELD_ALIASES.values() for alias in aliases)


def is_news_record(record: object) -> bool:
    """A JSON object with any of an article record's fields (in any case): text, title, date, …
    (one without text is then refused as such, with that reason)."""
    if not isinstance(record, dict):
        return False
    return any(str(key).lower() in _RECORD_FIELDS for key in record)


def is_json(file: DecodedFile) -> bool:
    """JSON Lines; or one JSON document holding at least one article record (other JSON is not
    news, and is refused by the `unsupported` format with the reason)."""
    whole = file.json_document()
    if whole is not None:
        records = whole if isinstance(whole, list) else [whole]
        return any(is_news_record(record) for record in records)
    return file.suffix in {".jsonl", ".ndjson", ".json"} or file.head.startswith("{")


def read_jsonl(file: DecodedFile) -> Iterable[SourceDocument | Failure]:
    outcomes: list[SourceDocument | Failure] = []
    for number, record in _json_records(file):
        record_uri = f"{file.uri}#{number}"
        try:
            outcomes.append(parse_json_record(record, record_uri, file.encoding))
        except BadInput as reason:
            outcomes.append(Failure(record_uri, "read", str(reason)))
    return outcomes


JSONL = Format(name="jsonl", detect=is_json, read=read_jsonl,
               description="JSON Lines, or one JSON object or array of objects")
