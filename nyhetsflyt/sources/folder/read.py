"""Read one news file: check its size, decode it, recognise its format, and read it into
SourceDocuments. Bad content never raises: it is reported with a reason a person can act on."""

from __future__ import annotations

from pathlib import Path

from nyhetsflyt.documents import Failure
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile, FileRead
from nyhetsflyt.sources.folder.decode import decode
from nyhetsflyt.sources.folder.formats import detect_format

MAX_FILE_BYTES = 20 * 1024 * 1024


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
        file = DecodedFile(uri=uri, text=text, encoding=encoding, suffix=path.suffix.lower())
        result.add(detect_format(file).read(file))
    except BadInput as reason:
        result.failures.append(Failure(uri, "read", str(reason)))
    except OSError as error:
        result.failures.append(Failure(uri, "read", f"cannot read file: {error.strerror or error}"))
    return result
