"""Photo credits: where a caption's credit starts, and whom it names.

One parser for every source (HTML figures, wire-agency fields, credits inside caption text),
so `Foto: Mikhail Klimentyev / AP / NTB` gives the same photographers and agencies wherever it
was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nyhetsflyt.text import clean_text

# Photo agencies and picture sources as they appear in credits; matched case-insensitively,
# longest first, so "NTB scanpix" wins over "NTB".
KNOWN_AGENCIES: tuple[str, ...] = tuple(
    sorted(
        {
            "NTB", "NTB scanpix", "Scanpix", "NTB Kunnskap", "ANB", "NPK", "AP", "AP Photo",
            "Reuters", "AFP", "TT", "TT NYHETSBYRÅN", "EPA", "EPA-EFE", "GEPA PICTURES",
            "Bildbyrån", "Getty Images", "Ritzau Scanpix", "Ritzau", "Bloomberg", "Pool",
            "Handout", "Privat", "Shutterstock", "DPA", "ANP", "ANSA", "Xinhua", "Sputnik",
            "TASS", "Lehtikuva", "Keystone", "Belga", "Imago", "Zuma", "SIPA", "Polaris",
            "Anadolu", "Kreml", "Unsplash", "Wikimedia Commons", "Bildbyrån/TT",
        },
        key=len,
        reverse=True,
    )
)
_KNOWN_AGENCY_KEYS = frozenset(agency.casefold() for agency in KNOWN_AGENCIES)
# Words in a credit that name neither a person nor an agency.
CREDIT_NOISE = frozenset({"file", "arkiv", "arkivbilde", "arkivfoto", "illustrasjon", "montasje"})
NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "la", "le", "da", "di", "af", "du", "el", "bin"})

# `Foto:` opens a credit; `FOTO: Foto:` and `FOTO: Arkivfoto:` stack prefixes.
CREDIT_MARK = re.compile(
    r"(?P<paren>\(\s*)?\b(?:FOTO|Foto|PHOTO|Photo)\s*:\s*"
    r"(?:(?:FOTO|Foto|Arkivfoto|ARKIVFOTO|Arkivbilde|Illustrasjon|ILLUSTRASJON|Kart|Grafikk)\s*:\s*)*"
)
CREDIT_PREFIX = re.compile(
    r"^\(?\s*(?:(?:FOTO|Foto|foto|PHOTO|Photo|Arkivfoto|ARKIVFOTO|Illustrasjon|ILLUSTRASJON|Kart|Grafikk)\s*:\s*)+"
)
CREDIT_SEPARATOR = re.compile(r"\s*[/\\]\s*")
CREDIT_PART = re.compile(r"([^/\\()]*?)\s*[/\\]\s*")
INITIAL = re.compile(r"^(?:[A-ZÆØÅ]\.)+(?:-?[A-ZÆØÅ]\.)*$")
CAPITALISED = re.compile(r"^[A-ZÆØÅÄÖÜÉÈÁÓÍÚÑČŠŽ][\w'’.-]*$")

SOURCE_CREDIT = re.compile(
    r"^(?:Kilde|KILDE|Tegning|TEGNING|Grafikk|GRAFIKK|Illustrasjon|ILLUSTRASJON|Kart|KART|Video|VIDEO)\s*:\s*\S")

CREDIT_LABEL = r"(?:Foto|Fotograf|Photo|Bilde|Illustrasjon|Ill\.|Grafikk|Video|Kilde|Skjermdump|Faksimile)"
CREDIT_TAIL = re.compile(rf"\s*(?<![\w])({CREDIT_LABEL}\s*:\s*\S.*)$", re.I)
CREDIT_LINE = re.compile(rf"^{CREDIT_LABEL}\s*:\s*\S", re.I)


def as_credit(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    credit = re.sub(r"\s+", " ", raw).strip()
    return credit if CREDIT_LINE.match(credit) else f"Foto: {credit}"



@dataclass(frozen=True, slots=True)
class Credit:
    raw: str  # "Foto: Mikhail Klimentyev / AP / NTB"
    photographers: list[str]
    agencies: list[str]


def known_agency_prefix(text: str) -> str | None:
    """The known agency `text` opens with, as written there."""
    folded = text.casefold()
    for agency in KNOWN_AGENCIES:
        key = agency.casefold()
        if folded.startswith(key) and (len(text) == len(key) or not text[len(key)].isalnum()):
            return text[: len(key)]
    return None


def is_known_agency(text: str) -> bool:
    return text.strip(" .,()").casefold() in _KNOWN_AGENCY_KEYS


def looks_like_name(text: str) -> bool:
    tokens = text.replace(",", " ").split()
    if not tokens or len(tokens) > 6:
        return False
    return all(
        CAPITALISED.match(token) or token.casefold() in NAME_PARTICLES or token.casefold() in CREDIT_NOISE
        for token in tokens
    )


def parse_credit(credit: str) -> Credit:
    """Photographers and agencies of a photo credit.

    `Foto: Mikhail Klimentyev / AP / NTB` -> ["Mikhail Klimentyev"], ["AP", "NTB"];
    `FOTO: Ekornesvåg, Svein Ove / NTB scanpix` -> ["Svein Ove Ekornesvåg"], ["NTB scanpix"].
    """
    raw = clean_text(credit)
    body = CREDIT_PREFIX.sub("", raw).strip()
    if raw.startswith("("):
        body = body.rstrip(" .").removesuffix(")")
    body = body.strip(" .")
    photographers: list[str] = []
    agencies: list[str] = []
    for part in (p.strip(" .") for p in CREDIT_SEPARATOR.split(body)):
        if not part:
            continue
        # "Lasse Evensen (Scanpix)": the parentheses hold the agency.
        inner = re.match(r"^(?P<name>[^()]+?)\s*\((?P<agency>[^()]+)\)$", part)
        if inner:
            part = inner["name"]
            agencies_after = [inner["agency"].strip()]
        else:
            agencies_after = []
        if is_known_agency(part) or part.casefold() in CREDIT_NOISE:
            if part.casefold() not in CREDIT_NOISE:
                agencies.append(part)
        else:
            pieces = [p.strip() for p in part.split(",") if p.strip()]
            names = [p for p in pieces if not is_known_agency(p) and p.casefold() not in CREDIT_NOISE]
            agencies.extend(p for p in pieces if is_known_agency(p))
            if names:
                if photographers:
                    # After a photographer, an unknown name is the photographer's agency.
                    agencies.append(", ".join(names))
                elif len(names) == 2 and len(pieces) == 2:
                    photographers.append(f"{names[1]} {names[0]}")  # "Ekornesvåg, Svein Ove"
                else:
                    photographers.append(" ".join(names))
        agencies.extend(agencies_after)
    return Credit(raw=raw, photographers=photographers, agencies=agencies)
