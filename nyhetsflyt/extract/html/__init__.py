"""One news article out of one HTML page, in layers (see `extract.py`); pure: no network, no files."""

from nyhetsflyt.extract.html.extract import PageExtraction, extract_article, extract_page
from nyhetsflyt.extract.html.page import NotAnArticle, UnreadablePage

__all__ = ["NotAnArticle", "PageExtraction", "UnreadablePage", "extract_article", "extract_page"]
