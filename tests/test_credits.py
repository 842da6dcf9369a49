"""The one photo-credit parser: who took the photo, and for whom. Invented credits only."""

from __future__ import annotations

import pytest

from nyhetsflyt.extract.credits import (
    canonical_agency,
    looks_like_organisation,
    name_case,
    parse_credit,
)


def parsed(credit: str) -> tuple[list[str], list[str]]:
    result = parse_credit(credit)
    return result.photographers, result.agencies


@pytest.mark.parametrize("credit", [
    "Foto: Tora Vik (arkiv)",
    "ARKIVFOTO: Tora Vik",
    "Foto: Tora Vik, ARKIVFOTO",
    "Foto: Tora Vik / Arkiv",
    "Arkivfoto: Tora Vik",
])
def test_archive_marks_are_no_agency(credit: str) -> None:
    assert parsed(credit) == (["Tora Vik"], [])


def test_archive_mark_beside_an_agency() -> None:
    assert parsed("Foto: Tora Vik / NTB (arkiv)") == (["Tora Vik"], ["NTB"])


def test_person_then_organisation_after_a_comma() -> None:
    assert parsed("Foto: Pernille Storholm Skaret, Norsk Tipping") == (["Pernille Storholm Skaret"], ["Norsk Tipping"])
    assert parsed("Foto: Lars Øvre, Fjellby kommune") == (["Lars Øvre"], ["Fjellby kommune"])


def test_two_photographers_and_two_agencies() -> None:
    assert parsed("Foto: Heiko Junge, Lise Åserud / NTB / Reuters") == (
        ["Heiko Junge", "Lise Åserud"], ["NTB", "Reuters"])


def test_surname_first_is_one_name() -> None:
    assert parsed("FOTO: Ekornesvåg, Svein Ove / NTB scanpix") == (["Svein Ove Ekornesvåg"], ["NTB scanpix"])


@pytest.mark.parametrize(("credit", "photographer"), [
    ("FOTO: BERIT ROALD/NTB", "Berit Roald"),
    ("Foto: ANNE-LISE MØRK / AP", "Anne-Lise Mørk"),
    ("Foto: Ola McArthur / AP", "Ola McArthur"),  # mixed case is left as written
])
def test_names_in_capitals_are_put_in_name_case(credit: str, photographer: str) -> None:
    assert parsed(credit)[0] == [photographer]


@pytest.mark.parametrize("spelling", ["NTB scanpix", "NTB Scanpix", "Scanpix", "SCANPIX", "NTB SCANPIX", "scanpix"])
def test_one_spelling_per_agency(spelling: str) -> None:
    assert parsed(f"Foto: Tora Vik / {spelling}") == (["Tora Vik"], ["NTB scanpix"])


def test_other_agencies_in_one_spelling() -> None:
    assert canonical_agency("REUTERS") == "Reuters"
    assert canonical_agency("The Associated Press") == "AP"
    assert canonical_agency("getty images") == "Getty Images"
    assert canonical_agency("Fjordposten") is None


@pytest.mark.parametrize("organisation", [
    "Norges Skiforbund", "Norsk Tipping", "Statens vegvesen", "Fjellby kommune", "Dalen Idrettslag Fotballklubb",
    "Fjordposten AS", "Sjøfartsmuseet", "Oslo universitetssykehus",
])
def test_organisations_are_not_photographers(organisation: str) -> None:
    assert looks_like_organisation(organisation)
    assert parsed(f"Foto: {organisation}") == ([], [organisation])


@pytest.mark.parametrize("person", ["Tora Vik", "Jan Kåre Ness", "Anne-Lise van der Berg", "K. R. Holm"])
def test_people_are_not_organisations(person: str) -> None:
    assert not looks_like_organisation(person)


@pytest.mark.parametrize("credit", ["Kilde: Statistisk sentralbyrå", "KILDE: Meteorologisk institutt", "Kilde: SSB"])
def test_a_data_source_is_not_a_photo_credit(credit: str) -> None:
    assert parsed(credit) == ([], [])
    assert parse_credit(credit).raw == credit


@pytest.mark.parametrize(("credit", "expected"), [
    ("Photograph: Tora Vik/Reuters", (["Tora Vik"], ["Reuters"])),
    ("Photo by TORA VIK / AFP", (["Tora Vik"], ["AFP"])),
    ("© Tora Vik", (["Tora Vik"], [])),
    ("Bild: Tora Vik / dpa", (["Tora Vik"], ["dpa"])),
])
def test_labels_of_other_languages(credit: str, expected: tuple[list[str], list[str]]) -> None:
    assert parsed(credit) == expected


def test_the_outlet_after_the_photographer() -> None:
    assert parsed("Foto: Geir Dahl / Fjordposten") == (["Geir Dahl"], ["Fjordposten"])
    assert parsed("Foto: Geir Dahl / Dagens Næringsliv") == (["Geir Dahl"], ["Dagens Næringsliv"])


def test_name_case_is_for_names_only() -> None:
    assert name_case("OLA NORDMANN") == "Ola Nordmann"
    assert name_case("Ola McArthur") == "Ola McArthur"
    # Agencies keep their own spelling: an acronym is not a name in capitals.
    assert parsed("FOTO: OLA NORDMANN / NTB / EPA") == (["Ola Nordmann"], ["NTB", "EPA"])


@pytest.mark.parametrize(("credit", "photographers", "agencies"), [
    ("Foto: Siri Dal og Per Kvam / NTB", ["Siri Dal", "Per Kvam"], ["NTB"]),
    ("Foto: Ana Ruiz and Marco d'Amato / AP", ["Ana Ruiz", "Marco d'Amato"], ["AP"]),
    ("Foto: Tora Vik og Fjellby Skiforbund", ["Tora Vik"], ["Fjellby Skiforbund"]),
])
def test_names_joined_by_og_or_and_are_two(credit: str, photographers: list[str], agencies: list[str]) -> None:
    assert parsed(credit) == (photographers, agencies)


def test_one_word_in_capitals_stays_as_written() -> None:
    assert name_case("SANA") == "SANA"
    assert name_case("TORA VIK") == "Tora Vik"
