"""Discovery of article URLs in feeds, sitemaps and URL lists, fetched from the local server."""

from __future__ import annotations

import gzip
import io
from datetime import datetime, timezone

import feedparser
import pytest
from lxml import etree

from nyhetsflyt.settings import Settings

SHARED_DATA = Settings().shared_data
from web_server import ARTICLES, serve

from nyhetsflyt.sources.web.discover import (
    DiscoveredUrl,
    UnsafeXmlError,
    discover,
    maybe_gunzip,
    parse_feed,
    parse_sitemap,
    parse_url_list,
    parse_w3c_datetime,
    sniff_kind,
)
from nyhetsflyt.sources.web.fetch import Fetcher, FetchPolicy

BILLION_LAUGHS_HEAD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b"]>\n"
)
BILLION_LAUGHS_FEED = BILLION_LAUGHS_HEAD + (
    b'<rss version="2.0"><channel><title>&lol9;</title>'
    b"<item><title>&lol9;</title><link>https://nyheter.example/a/1</link></item></channel></rss>"
)
BILLION_LAUGHS_SITEMAP = BILLION_LAUGHS_HEAD + (
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://nyheter.example/&lol9;</loc></url></urlset>"
)
EXTERNAL_ENTITY_SITEMAP = (
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://nyheter.example/&xxe;</loc></url></urlset>"
)


@pytest.fixture(scope="module")
def server():
    with serve() as running:
        yield running


@pytest.fixture
def fetcher(monkeypatch):
    with Fetcher(FetchPolicy(connect_timeout_s=0.5, read_timeout_s=0.5, min_host_interval_s=0, allow_private=True)) as f:
        yield f


def article_url(server, slug: str) -> str:
    return server.url(f"/artikler/{slug}.html")


# --- feeds ---------------------------------------------------------------------------------------


def test_rss_feed_from_the_server(server, fetcher):
    feed = fetcher.fetch(server.url("/feed.xml"))
    found = discover(feed.body, feed.final_url)
    assert found.kind == "feed" and found.child_sitemaps == []
    by_url = {d.url: d for d in found.urls}
    for slug, (title, published, _) in ARTICLES.items():
        item = by_url[article_url(server, slug)]
        assert item.title == title
        assert item.published == datetime.fromisoformat(published)
    assert [d.url for d in found.urls][:3] == [article_url(server, s) for s in ARTICLES]


def test_atom_feed_with_relative_links(server, fetcher):
    feed = fetcher.fetch(server.url("/atom.xml"))
    found = parse_feed(feed.body, feed.final_url)
    assert [d.url for d in found] == [article_url(server, s) for s in ARTICLES]
    assert found[0].published == datetime.fromisoformat(ARTICLES["ferje-innstilt"][1])


def test_feed_drops_non_http_links_and_duplicates():
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>Én</title><link>https://nyheter.example/en</link></item>"
        "<item><title>Én igjen</title><link>https://nyheter.example/en</link></item>"
        "<item><title>Skript</title><link>javascript:alert(1)</link></item>"
        "<item><title>Relativ</title><link>/to</link></item>"
        "<item><title>Bare guid</title><guid>https://nyheter.example/tre</guid></item>"
        "</channel></rss>"
    ).encode()
    found = parse_feed(body, "https://nyheter.example/rss")
    assert [d.url for d in found] == [
        "https://nyheter.example/en", "https://nyheter.example/to", "https://nyheter.example/tre"]
    assert found[0].title == "Én"


def test_feed_bytes_that_look_like_a_url_or_path_are_not_opened(server):
    requests_before = len(server.state.paths())
    assert parse_feed(server.url("/feed.xml").encode()) == []
    assert parse_feed(b"/etc/hostname") == []
    assert len(server.state.paths()) == requests_before


def test_billion_laughs_feed_is_refused():
    with pytest.raises(UnsafeXmlError):
        parse_feed(BILLION_LAUGHS_FEED)


def test_feedparser_itself_does_not_expand_billion_laughs():
    # Defence in depth beneath the refusal: the parser we hand feeds to leaves them unexpanded.
    parsed = feedparser.parse(io.BytesIO(BILLION_LAUGHS_FEED))
    texts = [parsed.feed.get("title", "")] + [e.get("title", "") for e in parsed.entries]
    assert all("lollol" not in text and len(text) < 100 for text in texts)


# --- sitemaps ------------------------------------------------------------------------------------


def test_sitemap_index_then_child_sitemaps(server, fetcher):
    index = fetcher.fetch(server.url("/sitemap_index.xml"))
    found = discover(index.body, index.final_url)
    assert found.kind == "sitemap" and found.urls == []
    assert found.child_sitemaps == [server.url("/sitemap-artikler.xml"), server.url("/sitemap-nyheter.xml")]

    plain = fetcher.fetch(found.child_sitemaps[0])
    plain_urls = parse_sitemap(plain.body, plain.final_url).urls
    assert plain_urls == [
        DiscoveredUrl(article_url(server, slug),
                      datetime.fromisoformat(published[:10]).replace(tzinfo=timezone.utc), None)
        for slug, (_, published, _) in ARTICLES.items()
    ]

    news = fetcher.fetch(found.child_sitemaps[1])
    news_urls = parse_sitemap(news.body, news.final_url).urls
    assert news_urls == [
        DiscoveredUrl(article_url(server, slug), datetime.fromisoformat(published), title)
        for slug, (title, published, _) in ARTICLES.items()
    ]


def test_gzipped_sitemap_and_its_expansion_limit(server, fetcher):
    plain = fetcher.fetch(server.url("/sitemap-artikler.xml")).body
    packed = gzip.compress(plain)
    assert parse_sitemap(packed).urls == parse_sitemap(plain).urls
    assert sniff_kind(packed) == "sitemap"
    with pytest.raises(ValueError, match="expands past"):
        maybe_gunzip(gzip.compress(b"0" * 100_000), limit=10_000)


@pytest.mark.parametrize("body", [BILLION_LAUGHS_SITEMAP, EXTERNAL_ENTITY_SITEMAP])
def test_sitemap_with_entities_is_refused(body):
    with pytest.raises(UnsafeXmlError):
        parse_sitemap(body)


def test_lxml_parser_used_for_sitemaps_expands_no_entities():
    from nyhetsflyt.sources.web.discover import _safe_xml_parser

    # libxml2 either stops at its amplification limit or leaves the references unexpanded.
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(BILLION_LAUGHS_SITEMAP, parser=_safe_xml_parser())
    root = etree.fromstring(EXTERNAL_ENTITY_SITEMAP, parser=_safe_xml_parser())
    assert "".join(root.itertext()).strip() == "https://nyheter.example/&xxe;"  # kept, not read


def test_not_a_sitemap_is_an_error():
    with pytest.raises(ValueError, match="not a sitemap"):
        parse_sitemap(b"<html><body>Forside</body></html>")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-08-04", datetime(2024, 8, 4, tzinfo=timezone.utc)),
    ("2024-08-04T10:15:00Z", datetime(2024, 8, 4, 10, 15, tzinfo=timezone.utc)),
    ("2024-08-04T12:15:00+02:00", datetime(2024, 8, 4, 10, 15, tzinfo=timezone.utc)),
    ("i går", None),
    (None, None),
])
def test_w3c_datetimes(text, expected):
    assert parse_w3c_datetime(text) == expected


# --- plain URL lists -----------------------------------------------------------------------------


def test_url_list_from_the_server(server, fetcher):
    listing = fetcher.fetch(server.url("/urls.txt"))
    found = discover(listing.body, listing.final_url)
    assert found.kind == "urls"
    assert [d.url for d in found.urls] == [article_url(server, s) for s in ARTICLES]


def test_url_list_skips_comments_blanks_and_other_schemes():
    text = "\ufeff# kilder\n\nhttps://a.example/1\n  https://a.example/2  \nmailto:x@y.no\nhttps://a.example/1\n"
    assert [d.url for d in parse_url_list(text)] == ["https://a.example/1", "https://a.example/2"]


# --- the real RSS snapshots ----------------------------------------------------------------------


def item_links(body: bytes) -> list[str]:
    """The item links of an RSS 2.0 document, read independently of feedparser."""
    root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    links = []
    for item in root.iter("item"):
        link = item.findtext("link")
        if link and link.strip().startswith(("http://", "https://")) and link.strip() not in links:
            links.append(link.strip())
    return links


@pytest.mark.shared
@pytest.mark.parametrize("name", [p.name for p in sorted((SHARED_DATA / "samples" / "rss").glob("*.xml"))])
def test_rss_snapshots_yield_their_item_links(server, fetcher, name):
    snapshot = fetcher.fetch(server.url(f"/samples/rss/{name}"))
    assert snapshot.outcome == "ok"
    found = discover(snapshot.body, snapshot.final_url)
    expected = item_links(snapshot.body)
    assert found.kind == "feed" and len(expected) > 0
    assert [d.url for d in found.urls] == expected
    assert all(d.title for d in found.urls)


def test_doctype_without_entities_is_accepted():
    body = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        b'<rss version="0.91"><channel><title>Gammel</title><link>https://gammel.example/</link>'
        b"<item><title>Bl\xe5b\xe6r i Tr\xf8ndelag</title><link>https://gammel.example/1</link></item>"
        b"</channel></rss>"
    )
    (item,) = parse_feed(body)
    assert (item.url, item.title) == ("https://gammel.example/1", "Blåbær i Trøndelag")
