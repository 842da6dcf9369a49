"""Agency XML is parsed safely, and data no reader knows is refused with its reason, never stored
as text: billion laughs, external entities, DTDs that must not be fetched, truncated files,
Maven POMs, SVGs, feeds and sitemaps, JSON that is no news; XHTML pages still go to the HTML
extractor. Every document here is written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nyhetsflyt.sources.folder import read_file
from nyhetsflyt.sources.folder.base import BadInput, DecodedFile
from nyhetsflyt.sources.folder.decode import decode
from nyhetsflyt.sources.folder.formats import detect_format
from nyhetsflyt.sources.folder.safe_xml import MAX_XML_CHARS, XmlRoot, parse_xml, sniff_root
from tests.web_server import serve

NITF_BODY = """<body><body.head><hedline><hl1>Strømmen tilbake i Tromsø</hl1></hedline></body.head>
<body.content><p>Strømmen er tilbake i hele Tromsø etter et brudd i natt, opplyser nettselskapet.{extra}</p>
<p>Omtrent tusen kunder var uten strøm i tre timer.</p></body.content></body>"""

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE nitf [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n<nitf>" + NITF_BODY.format(extra=" &lol9;") + "</nitf>"
)
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE nitf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<nitf>'
       + NITF_BODY.format(extra=" &xxe;") + "</nitf>")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    read = read_file(path)
    assert not read.documents and not read.pictures and not read.packages, path
    (failure,) = read.failures
    return failure.reason


def test_a_billion_laughs_file_is_refused_before_anything_is_expanded(tmp_path):
    assert "declares entities" in refused(write(tmp_path, "latter.xml", BILLION_LAUGHS))
    with pytest.raises(BadInput, match="declares entities"):
        parse_xml(BILLION_LAUGHS)


def test_an_external_entity_is_refused_and_never_read(tmp_path):
    reason = refused(write(tmp_path, "xxe.xml", XXE))
    assert "declares entities" in reason and "root:" not in reason


def test_a_doctype_naming_an_absent_dtd_parses_and_fetches_nothing():
    with serve() as server:
        for system_id in ("../dtd/nitf-3-2.dtd", server.url("/nitf-3-2.dtd")):
            text = f'<?xml version="1.0"?>\n<!DOCTYPE nitf SYSTEM "{system_id}">\n<nitf>{NITF_BODY.format(extra="")}</nitf>'
            root = parse_xml(text)
            assert root.findtext("body/body.head/hedline/hl1") == "Strømmen tilbake i Tromsø"
        assert server.state.paths() == []  # the DTD was never asked for


def test_a_dtd_on_disk_is_not_loaded_and_html_entities_still_read(tmp_path):
    dtd = write(tmp_path, "nitf.dtd", '<!ENTITY hemmelig "LEKKASJE">')
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE nitf SYSTEM "{dtd.as_uri()}">\n<nitf>'
            + NITF_BODY.format(extra=" Kl&aelig;r&nbsp;og &hemmelig; sko.") + "</nitf>")
    first = "".join(parse_xml(text).find("body/body.content/p").itertext())
    assert "LEKKASJE" not in first and first.endswith("Klær\u00a0og  sko.")


def test_a_truncated_file_is_refused_with_the_reason(tmp_path):
    whole = f'<?xml version="1.0" encoding="utf-8"?>\n<nitf>{NITF_BODY.format(extra="")}</nitf>'
    for cut in (len(whole) // 2, 30):
        reason = refused(write(tmp_path, f"avkuttet-{cut}.xml", whole[:cut]))
        assert "not well-formed" in reason


def test_an_oversized_xml_document_is_refused():
    with pytest.raises(BadInput, match="too large"):
        parse_xml("<nitf>" + "x" * MAX_XML_CHARS + "</nitf>")


def test_the_root_is_sniffed_from_the_first_tag_only():
    assert sniff_root('<?xml version="1.0"?><!-- x --><nitf baselang="nb-NO"><head>') == XmlRoot("", "nitf")
    assert sniff_root('<n:newsItem xmlns:n="http://iptc.org/std/nar/2006-10-01/" guid="x">') == XmlRoot(
        "http://iptc.org/std/nar/2006-10-01/", "newsItem")
    assert sniff_root("Tittel\nEn linje med tekst.") is None
    assert sniff_root("<<< ikke xml >>>") is None
    # A document declaring entities is not parsed to be sniffed: its first tag is read as text.
    assert sniff_root(BILLION_LAUGHS) == XmlRoot("", "nitf")
    # Broken right after its root (nested too deep for the parser): still XML, and refused by its reader.
    assert sniff_root('<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">' + "<p>" * 400) == XmlRoot(
        "http://iptc.org/std/NITF/2006-10-18/", "nitf")


def test_an_xml_declaration_names_the_encoding():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><nitf><p>Blåbær og rødøre – «sa han»</p></nitf>'
    text, encoding = decode(data.encode("cp1252"))
    assert "Blåbær og rødøre – «sa han»" in text and encoding == "iso-8859-1"


REFUSALS = {
    "pom.xml": ('<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">'
                "<modelVersion>4.0.0</modelVersion><artifactId>avis</artifactId></project>",
                "unsupported XML: root <project> in namespace http://maven.apache.org/POM/4.0.0"),
    "logo.svg": ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>NRK</text></svg>',
                 "unsupported XML: root <svg>"),
    "feed.xml": ('<?xml version="1.0"?><rss version="2.0"><channel><title>Lokalavisa</title><item>'
                 "<title>Ny bru</title><link>https://avis.example/bru</link></item></channel></rss>",
                 "an RSS feed, not a news file: add it as a web source"),
    "atom.xml": ('<feed xmlns="http://www.w3.org/2005/Atom"><title>Lokalavisa</title></feed>',
                 "an Atom feed, not a news file: add it as a web source"),
    "sitemap.xml": ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://avis.example/a'
                    "</loc></url></urlset>", "a sitemap, not a news file: add it as a web source"),
    "package.json": (json.dumps({"name": "avis", "version": "1.0.0", "dependencies": {}}),
                     "unsupported JSON: an object with keys name, version, dependencies"),
    "tall.json": ("[1, 2, 3]", "unsupported JSON: an array of 3 (int)"),
    "data.xml": ('<?xml version="1.0"?><eksport><rad id="1">Ikke en nyhet</rad></eksport>',
                 "unsupported XML: root <eksport>"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_data_no_reader_knows_is_refused_with_the_reason(tmp_path, name):
    text, reason = REFUSALS[name]
    assert refused(write(tmp_path, name, text)).startswith(reason)


def test_markup_is_never_read_as_text_whatever_its_name(tmp_path):
    """The content decides, not the name: XML in a .txt or .html file is still refused as XML."""
    text, reason = REFUSALS["pom.xml"]
    assert refused(write(tmp_path, "notat.txt", text)).startswith(reason)
    assert refused(write(tmp_path, "side.html", text)).startswith(reason)
    feed, reason = REFUSALS["feed.xml"]
    assert refused(write(tmp_path, "nyheter.html", feed)).startswith(reason)
    assert refused(write(tmp_path, "avbrutt.txt", '<?xml version="1.0"?>\n<nit')).startswith("XML is not well-formed")
    without_declaration = BILLION_LAUGHS.split("\n", 1)[1]
    assert "declares entities" in refused(write(tmp_path, "latter.txt", without_declaration))
    too_deep = '<nitf><body><body.content>' + "<block>" * 400 + "Tekst" + "</block>" * 400 + "</body.content></body></nitf>"
    assert "Excessive depth" in refused(write(tmp_path, "dyp.txt", too_deep))


def test_an_xhtml_article_page_still_goes_to_the_html_extractor(tmp_path):
    paragraphs = "".join(
        f"<p>{text}</p>" for text in (
            "Brua over fjorden ble åpnet lørdag etter tre års arbeid, og hundrevis kom for å gå over den.",
            "Ordføreren klippet snoren klokka tolv, og etterpå var det kaffe og kaker i kulturhuset.",
            "Brua har kostet 400 millioner kroner og korter ned reisetiden til byen med en halv time.",
        ))
    page = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'lang="nb"><head><title>Ny bru over fjorden</title><meta property="og:type" content="article"/></head>'
            f"<body><article><h1>Ny bru over fjorden</h1>{paragraphs}</article></body></html>")
    path = write(tmp_path, "bru.xml", page)
    text, encoding = decode(path.read_bytes())
    assert detect_format(DecodedFile(str(path), text, encoding, ".xml")).name == "html"
    (document,) = read_file(path).documents
    assert document.source_format == "html" and document.title == "Ny bru over fjorden"
