"""Extract one news article from an HTML page (pure: no network, no files)."""

from nyhetsflyt.extract.html.article import NotAnArticle, extract_article

__all__ = ["NotAnArticle", "extract_article"]
