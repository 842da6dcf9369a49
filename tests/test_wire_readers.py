"""The agency formats' readers, on documents written for these tests: what never reaches the
text (non-public notes, contact details, summaries in a caption role), ninjs in all its
versions and envelopes, machine translations, items that are neither text nor picture, and
any value in any field read or refused, never a crash."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nyhetsflyt.extract.split import split_document
from nyhetsflyt.sources.folder import read_file

FORMATS = Path(__file__).parent / "fixtures" / "formats"


def test_what_is_not_for_publication_never_reaches_the_text():
    read = read_file(FORMATS / "newsmlg2" / "ras-i-dalen.xml")
    (document,) = read.documents
    article = split_document(document)
    words = " ".join([article.body, *(s.text for s in article.segments), *(c.text for c in article.captions)])
    assert "Vaktsjef" not in words and "22 00 00 00" not in words  # a non-public edNote
    # The text item's caption-role description is a summary, not a photo caption.
    assert [c.text for c in article.captions] == ["Steinmassene dekker veien over en strekning på femti meter."]

    (document,) = read_file(FORMATS / "ninjs" / "skred-varsel.json").documents
    article = split_document(document)
    words = " ".join([article.body, *(s.text for s in article.segments)])
    assert "vaktsjef" not in words.lower() and "+47" not in words  # edNote, a person's phone


def ninjs_2() -> dict:
    return json.loads((FORMATS / "ninjs" / "skred-varsel.json").read_text(encoding="utf-8"))


def reading(tmp_path: Path, item: object, name: str) -> dict:
    path = tmp_path / name
    path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    read = read_file(path)
    assert not read.failures, read.failures
    (document,) = read.documents
    article = split_document(document)
    return {"title": article.title, "body": article.body, "authors": article.authors, "id": article.external_id,
            "published": article.published, "language": article.language,
            "captions": [(c.text, c.photographers, c.agencies) for c in article.captions],
            "status": (document.wire.pub_status, document.wire.embargo, document.wire.version)}


def test_ninjs_reads_the_same_in_lower_case_keys_and_in_ap_s_envelope(tmp_path):
    camel = ninjs_2()
    lower = json.loads(json.dumps(camel).replace('"versionCreated"', '"versioncreated"')
                       .replace('"firstCreated"', '"firstcreated"').replace('"pubStatus"', '"pubstatus"')
                       .replace('"copyrightHolder"', '"copyrightholder"').replace('"contentType"', '"contenttype"'))
    envelope = {"api_version": "2", "id": "x", "data": {"item": copy.deepcopy(lower)}}
    first = reading(tmp_path, camel, "camel.json")
    assert first == reading(tmp_path, lower, "lower.json") == reading(tmp_path, envelope, "envelope.json")
    assert first["captions"] == [("Snøskred i Lyngen i fjor vinter.", ["Tor Vik"], ["NTB"]),
                                 ("Kart over faregradene i Nord-Norge.", ["Ida Ruud"], ["NTB"])]


def test_ninjs_1_flat_keys_and_associations_as_an_object(tmp_path):
    item = {
        "uri": "urn:test:ninjs1:hval", "type": "text", "versioncreated": "2023-08-01T12:00:00+02:00",
        "language": "nn", "headline": "Kval sett i Oslofjorden", "byline": "Eli Dale",
        "description_text": "Ein kval vart sett ved Drøbak tysdag.",
        "body_html": "<p>Ein kval vart sett ved Drøbak tysdag, melder Fiskeridirektoratet.</p><p>Folk blir bedne om å "
                     "halde avstand til dyret.</p>",
        "associations": {"featuremedia": {"type": "picture", "uri": "urn:test:bilde:hval", "byline": "Tom Ås",
                                          "copyrightholder": "NTB", "description_text": "Kvalen ved Drøbak."}},
    }
    view = reading(tmp_path, item, "ninjs1.json")
    assert view["title"] == "Kval sett i Oslofjorden" and view["language"] == "nn"
    assert view["authors"] == ["Eli Dale"]
    assert view["body"].startswith("Ein kval vart sett ved Drøbak tysdag, melder")  # the teaser is in the body
    assert view["captions"] == [("Kvalen ved Drøbak.", ["Tom Ås"], ["NTB"])]


def test_ninjs_items_other_than_text_and_pictures_are_skipped_with_the_reason(tmp_path):
    path = tmp_path / "video.json"
    path.write_text(json.dumps({"uri": "urn:test:video", "type": "video", "versioncreated": "2024-01-01T10:00:00Z",
                                "headlines": [{"value": "Se videoen"}]}), encoding="utf-8")
    read = read_file(path)
    assert not read.documents and not read.failures
    assert read.skipped[0].reason == "a ninjs video item: only text and pictures are read"


def test_a_machine_translation_keeps_its_first_version_and_no_declared_language(tmp_path):
    item = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:oversatt" version="1" xml:lang="fi-FI">
  <itemMeta><itemClass qcode="ninat:text"/><versionCreated>2024-02-01T10:00:00+02:00</versionCreated></itemMeta>
  <contentMeta><headline>Ny lov vedtatt*** TRANSLATED ***</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml"><html><body>
    <p>*** DISCLAIMER: MASKINOVERSATT FRA FINSK ***</p><p>Riksdagen vedtok loven i dag.</p>
    <p>*** DISCLAIMER: KONEKÄÄNNÖS ***</p><p>Eduskunta hyväksyi lain tänään.</p>
  </body></html></inlineXML></contentSet>
</newsItem>"""
    path = tmp_path / "oversatt.xml"
    path.write_text(item, encoding="utf-8")
    (document,) = read_file(path).documents
    assert document.title == "Ny lov vedtatt" and document.language is None
    assert [b.text for b in document.blocks] == ["Riksdagen vedtok loven i dag."]


def test_a_newsml_item_that_is_neither_text_nor_picture_is_skipped(tmp_path):
    path = tmp_path / "lyd.xml"
    path.write_text('<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:test:lyd" version="1">'
                    "<itemMeta><itemClass qcode=\"ninat:audio\"/></itemMeta></newsItem>", encoding="utf-8")
    read = read_file(path)
    assert not read.documents and read.skipped[0].reason.startswith("a NewsML-G2 audio item")


# -- whatever the values, an agency file is read or refused, never a crash ----------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_without_crashing(path: Path) -> None:
    read = read_file(path)
    for document in read.documents:
        split_document(document)  # and the splitter takes what the reader made of it


@FUZZ
@given(key=st.sampled_from([*sorted(ninjs_2()), "body_html", "associations", "byline", "headline"]),
       value=JSON_VALUES, in_association=st.booleans())
def test_ninjs_with_any_value_in_any_field_is_read_or_refused(tmp_path, key, value, in_association):
    item = ninjs_2()
    (item["associations"][0] if in_association else item)[key] = value
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    _read_without_crashing(path)


XML_FIXTURES = {
    path.name: (path.read_bytes().decode("iso-8859-1" if path.parent.name == "nitf" else "utf-8"),
                "iso-8859-1" if path.parent.name == "nitf" else "utf-8")
    for path in (FORMATS / "newsmlg2" / "ras-i-dalen.xml", FORMATS / "nitf" / "ferje-innoy.xml")
}
ELEMENTS = sorted({(name, element) for name, (text, _) in XML_FIXTURES.items()
                   for element in re.findall(r"<([A-Za-z][\w.-]*)[\s>/]", text)})


@FUZZ
@given(target=st.sampled_from(ELEMENTS), text=st.text(alphabet="abc æøå<>&;:/1", max_size=20), mode=st.integers(0, 2))
def test_agency_xml_with_an_element_emptied_dropped_or_filled_is_read_or_refused(tmp_path, target, text, mode):
    name, element = target
    source, encoding = XML_FIXTURES[name]
    pattern = re.compile(rf"<{re.escape(element)}\b[^>]*?(?:/>|>.*?</{re.escape(element)}>)", re.S)
    replacement = ["", f"<{element}/>", f"<{element}>{html.escape(text)}</{element}>"][mode]
    path = tmp_path / name
    path.write_bytes(pattern.sub(replacement, source, count=1).encode(encoding, "xmlcharrefreplace"))
    _read_without_crashing(path)
