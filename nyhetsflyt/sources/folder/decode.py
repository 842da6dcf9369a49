"""Bytes to text: UTF-8 (with or without BOM), else Windows-1252/Latin-1 where it reads as
Norwegian; an XML document in the encoding its declaration names; binary content and unknown
encodings are refused with the reason."""

from __future__ import annotations

import codecs
import re
import unicodedata

from nyhetsflyt.sources.folder.base import BadInput

# Letters that Norwegian text written in Windows-1252/Latin-1 plausibly contains.
_PLAUSIBLE_NON_ASCII = set("æøåÆØÅéèêëÉÈüöäÜÖÄóòôÓáàâíìñçÇšžŠŽčćđ«»–—‘’‚“”„…•€°§½¼¾×·´¨ ")


# `<?xml version="1.0" encoding="ISO-8859-1"?>`: the encoding an XML document says it is in.
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z][\w.:-]*)[\"']")


def decode(data: bytes) -> tuple[str, str]:
    """Decode news text: UTF-8 (with or without BOM), else Windows-1252 if it reads as such.

    XML that declares an encoding other than UTF-8 is decoded as declared (Latin-1 read as its
    superset Windows-1252, as browsers do). Returns (text, encoding name). Line endings are
    normalised to \\n.
    """
    if not data.strip():
        raise BadInput("empty file")
    if b"\x00" in data:  # anywhere: PostgreSQL text cannot hold NUL, so it must not get that far
        raise BadInput("binary content (NUL bytes); UTF-16 and other encodings are not supported")
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    declared = _declared_xml_encoding(data)
    try:
        if declared is None:
            text = data.decode("utf-8")
        else:
            text, encoding = _decode_declared(data, declared), declared
    except UnicodeDecodeError as error:
        text = _decode_windows_1252(data, error)
        encoding = "windows-1252"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t\f")
    if control > max(2, len(text) // 1000):
        raise BadInput(f"binary content ({control} control characters)")
    return text, encoding


def _declared_xml_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration names, when Python knows it and it is not UTF-8."""
    match = _XML_ENCODING.match(data[:200])
    if not match:
        return None
    declared = match.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return None  # an unknown name: read as any other text
    if codec in ("utf-8", "ascii") or codec.startswith(("utf-16", "utf-32")):
        return None  # UTF-16/32 never get here: their NUL bytes are refused above
    return declared


def _decode_declared(data: bytes, declared: str) -> str:
    if codecs.lookup(declared).name == "iso8859-1":
        # Latin-1 as its superset Windows-1252 (curly quotes, dashes), as browsers read it.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.decode(declared)


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
