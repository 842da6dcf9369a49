"""What the agency formats share (nyhetsflyt/sources/folder/wire.py, wire_body.py): bylines and
picture credits split by the one credit parser, dates with their zone, language tags, and
plain wire copy's paragraphs. Every input is written for these tests."""

from __future__ import annotations

import pytest

from nyhetsflyt.sources.folder.wire import language_code, picture_credit, split_byline, wire_date
from nyhetsflyt.sources.folder.wire_body import body_from_html, body_from_inline_markup, body_from_plain


@pytest.mark.parametrize(("byline", "people", "agencies"), [
    ("Av Lars Berg", ["Lars Berg"], []),
    ("Siri Haugland og Per Kvamme, NTB", ["Siri Haugland", "Per Kvamme"], ["NTB"]),
    ("Von Anna Weber, dpa", ["Anna Weber"], ["dpa"]),
    ("Nils Holm/TT", ["Nils Holm"], ["TT"]),
    ("NTB-AFP-DPA", [], ["NTB", "AFP", "DPA"]),
    ("By JANE DOE", ["Jane Doe"], []),  # capitals put in name case
    ("ab/cd", [], []),  # an editor's initials sign the item; they name no one
    ("", [], []),
])
def test_bylines_name_people_and_agencies(byline, people, agencies):
    assert split_byline(byline) == (people, agencies)


@pytest.mark.parametrize(("by", "creditline", "holder", "expected"), [
    (["Mona Dahl"], "NTB", None, ("Mona Dahl / NTB", ["Mona Dahl"], ["NTB"])),
    (["Karin Ek/TT"], None, None, ("Karin Ek/TT", ["Karin Ek"], ["TT"])),
    ([], "ASSOCIATED PRESS", None, ("ASSOCIATED PRESS", [], ["ASSOCIATED PRESS"])),
    (["REUTERS TV"], "Reuters", None, ("REUTERS TV / Reuters", [], ["REUTERS TV", "Reuters"])),
    (["Ola Vik"], None, "Lokalavisa AS", ("Ola Vik / Lokalavisa AS", ["Ola Vik"], ["Lokalavisa AS"])),
    (["Ola Vik"], "Ola Vik", None, ("Ola Vik", ["Ola Vik"], [])),
])
def test_picture_credits_from_agency_fields(by, creditline, holder, expected):
    assert picture_credit(by, creditline, holder) == expected


def test_dates_keep_their_zone_and_a_zoneless_agency_time_is_oslo_time():
    assert wire_date("20240314T074500Z")[0].isoformat() == "2024-03-14T07:45:00+00:00"
    assert wire_date("2024-03-14T07:45:00+0100")[0].isoformat() == "2024-03-14T07:45:00+01:00"
    assert wire_date("2024-07-14T07:45:00")[0].isoformat() == "2024-07-14T07:45:00+02:00"
    assert wire_date("2024-03-14") == (wire_date("2024-03-14")[0], "day")
    assert wire_date("i går") == (None, None)


@pytest.mark.parametrize(("tag", "code"), [
    ("nb-NO", "nb"), ("nn-NO", "nn"), ("no", "no"), ("swe", "sv"), ("en-US", "en"), ("", None), (None, None),
    ("xyz", None),
])
def test_language_tags_become_iso_639_1(tag, code):
    assert language_code(tag) == code


def test_plain_wire_copy_is_split_at_its_indented_paragraphs():
    copy_text = ("\n   (NTB) - Oslo, 3. mars - Regjeringen legger fram\nen ny plan for jernbanen i dag.\n"
                 "   Planen skal gjelde\ni tolv år.\n")
    assert [b.text for b in body_from_plain(copy_text).blocks] == [
        "(NTB) - Oslo, 3. mars - Regjeringen legger fram en ny plan for jernbanen i dag.",
        "Planen skal gjelde i tolv år."]
    marked = "<p>\n   Første avsnitt\nfortsetter her.\n   Andre avsnitt.\n</p>"
    assert [b.text for b in body_from_inline_markup(marked).blocks] == [
        "Første avsnitt fortsetter her.", "Andre avsnitt."]
    assert [b.text for b in body_from_plain("En.\n\nTo\nlinjer.").blocks] == ["En.", "To linjer."]


def test_html_bodies_become_hinted_blocks_and_figures():
    body = body_from_html(
        "<html><head><title>Ny bru</title></head><body><article><h1>Ny bru</h1>"
        "<div class='dat'><span>Samferdsel</span><span>NTB</span></div>"
        "<p class='lead'>Brua åpner lørdag.</p>"
        "<figure><img data-uri='urn:test:bilde' alt='Brua i sol.'/><div class='byline'>Ola Vik/NTB</div>"
        "<figcaption>Brua i morgensol.</figcaption></figure>"
        "<p>Den har kostet 400 millioner kroner.</p><blockquote>Dette er en god dag, sier ordføreren.</blockquote>"
        "<h2>Åpen for alle</h2><p>___</p><p>ANDRE DAG</p><p>(©NTB)</p></article></body></html>",
        headline="Ny bru")
    assert [(b.hint, b.text, b.credit) for b in body.blocks] == [
        ("lede", "Brua åpner lørdag.", None),
        ("caption", "Brua i morgensol.", "Foto: Ola Vik/NTB"),
        ("paragraph", "Den har kostet 400 millioner kroner.", None),
        ("paragraph", "– Dette er en god dag, sier ordføreren.", None),
        ("subheading", "Åpen for alle", None),
        ("subheading", "ANDRE DAG", None),
        ("byline", "(©NTB)", None),
    ]
    (figure,) = body.figures
    assert (figure.uri, figure.credit) == ("urn:test:bilde", "Ola Vik/NTB")
