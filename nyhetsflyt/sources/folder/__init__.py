"""The folder source: find news files, decode them, recognise their format, read them into
SourceDocuments (`formats.py` lists the formats)."""

from nyhetsflyt.sources.folder.base import BadInput, FileRead
from nyhetsflyt.sources.folder.files import find_files
from nyhetsflyt.sources.folder.read import MAX_FILE_BYTES, read_file

__all__ = ["MAX_FILE_BYTES", "BadInput", "FileRead", "find_files", "read_file"]
