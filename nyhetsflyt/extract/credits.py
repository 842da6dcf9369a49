"""Photo credits: where a caption's credit starts, and whom it names.

One parser for every source (HTML figures, wire-agency fields, credits inside caption text),
so `Foto: Mikhail Klimentyev / AP / NTB` gives the same photographers and agencies wherever it
was found. What it decides, and why:

  * a person is a photographer; an agency or any other organisation (`Norges Skiforbund`,
    `Norsk Tipping`, a newspaper) goes with the agencies, in one spelling per agency
    (`NTB scanpix` for `Scanpix`, `SCANPIX` and `NTB Scanpix` alike);
  * `Heiko Junge, Lise Åserud / NTB` names two photographers, `Ekornesvåg, Svein Ove` one
    (surname first), `Pernille Storholm Skaret, Norsk Tipping` a photographer and her employer;
  * names written in capitals are put in name case (`BERIT ROALD` → `Berit Roald`);
  * `(arkiv)`, `ARKIVFOTO`, `illustrasjon` say what kind of photo it is, not who made it;
  * `Kilde: SSB` under a chart names the source of the numbers: no photographer, no agency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nyhetsflyt.text import clean_text

# Agencies and picture sources in one spelling each, with the other spellings credits use
# (matched case-insensitively). `Scanpix` has been NTB's photo service since NTB bought it.
AGENCY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "NTB": ("NTB Nyheter",),
    "NTB scanpix": ("NTB Scanpix", "Scanpix", "Scanpix Norge", "NTB/Scanpix"),
    "NTB Kunnskap": (),
    "ANB": (),
    "NPK": (),
    "AP": ("AP Photo", "Associated Press", "The Associated Press"),
    "Reuters": ("Thomson Reuters",),
    "AFP": ("Agence France-Presse",),
    "TT": ("TT Nyhetsbyrån",),
    "EPA": (),
    "EPA-EFE": (),
    "GEPA pictures": (),
    "Bildbyrån": (),
    "Getty Images": ("Getty",),
    "Ritzau Scanpix": (),
    "Ritzau": (),
    "Bloomberg": (),
    "Pool": (),
    "Handout": (),
    "Privat": ("Privat foto",),
    "Shutterstock": ("Shutterstock.com",),
    "dpa": ("Deutsche Presse-Agentur",),
    "ANP": (),
    "ANSA": (),
    "Xinhua": (),
    "Sputnik": (),
    "TASS": (),
    "Lehtikuva": (),
    "Keystone": (),
    "Belga": (),
    "Imago": (),
    "Zuma": ("ZUMA Press",),
    "SIPA": (),
    "Polaris": (),
    "Anadolu": ("Anadolu Agency",),
    "Kreml": (),
    "Unsplash": (),
    "Wikimedia Commons": (),
    "picture alliance": (),
    "Gallo Images": (),
}
_CANONICAL = {spelling.casefold(): name for name, others in AGENCY_SPELLINGS.items() for spelling in (name, *others)}
# Every spelling, longest first, so "NTB scanpix" wins over "NTB".
KNOWN_AGENCIES: tuple[str, ...] = tuple(
    sorted({spelling for name, others in AGENCY_SPELLINGS.items() for spelling in (name, *others)},
           key=len, reverse=True))
# Words in a credit that say what kind of picture it is, not who made it.
CREDIT_NOISE = frozenset({"file", "arkiv", "arkivbilde", "arkivfoto", "illustrasjon", "illustrasjonsfoto",
                          "montasje", "archive", "archives", "stock", "faksimile", "skjermdump", "screenshot"})
NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "la", "le", "da", "di", "af", "du", "el", "bin", "al",
                            "ter", "ten", "dos", "das", "del", "y"})

_LABELS = (r"FOTO|Foto|foto|PHOTO|Photo|Photos|Photograph|Photography|Picture|Bilde|BILDE|Bild|Image|Credit|"
           r"Arkivfoto|ARKIVFOTO|Arkivbilde|Illustrasjon|ILLUSTRASJON|Kart|Grafikk|Copyright")
# `Foto:` opens a credit; `FOTO: Foto:` and `FOTO: Arkivfoto:` stack prefixes.
CREDIT_MARK = re.compile(
    r"(?P<paren>\(\s*)?\b(?:FOTO|Foto|PHOTO|Photo)\s*:\s*"
    r"(?:(?:FOTO|Foto|Arkivfoto|ARKIVFOTO|Arkivbilde|Illustrasjon|ILLUSTRASJON|Kart|Grafikk)\s*:\s*)*"
)
CREDIT_PREFIX = re.compile(rf"^\(?\s*(?:(?:(?:{_LABELS})\s*:|©|\(c\)|(?:Photo|Foto|Bild)\s+(?:by|von|av))\s*)+")
CREDIT_SEPARATOR = re.compile(r"\s*[/\\|]\s*")
CREDIT_PART = re.compile(r"([^/\\()]*?)\s*[/\\]\s*")
INITIAL = re.compile(r"^(?:[A-ZÆØÅ]\.)+(?:-?[A-ZÆØÅ]\.)*$")
CAPITALISED = re.compile(r"^(?:(?:d|l|dall|dell|degli|o)['’])?[A-ZÆØÅÄÖÜÉÈÁÓÍÚÑČŠŽ][\w'’.-]*$")
# "Siri Haugland og Per Kvamme", "Paulo Santalucia and Frances d'Emilio": two people.
_NAME_JOINER = re.compile(r"\s+(?:og|and|och|und|et|y|&)\s+")

SOURCE_CREDIT = re.compile(
    r"^(?:Kilde|KILDE|Tegning|TEGNING|Grafikk|GRAFIKK|Illustrasjon|ILLUSTRASJON|Kart|KART|Video|VIDEO)\s*:\s*\S")
# `Kilde:`/`Source:`: where the numbers or the text come from, not who took a photo.
_DATA_SOURCE = re.compile(r"^\(?\s*(?:Kilde|KILDE|Kjelde|Source|SOURCE|Quelle)\s*:", re.I)

CREDIT_LABEL = r"(?:Foto|Fotograf|Photo|Bilde|Illustrasjon|Ill\.|Grafikk|Video|Kilde|Skjermdump|Faksimile)"
CREDIT_TAIL = re.compile(rf"\s*(?<![\w])({CREDIT_LABEL}\s*:\s*\S.*)$", re.I)
CREDIT_LINE = re.compile(rf"^{CREDIT_LABEL}\s*:\s*\S", re.I)

# Words that make a name an organisation's: Norwegian institutions and companies, and the
# legal forms and kinds of outlets of other languages.
_ORGANISATION_WORD = re.compile(
    r"(?:forbund|forbundet|forening|foreningen|kommune|kommunes|fylkeskommune|direktorat|direktoratet|"
    r"departement|departementet|universitet|universitetet|høgskole|høgskolen|sykehus|sykehuset|"
    r"politidistrikt|klubb|klubben|selskap|selskapet|stiftelse|stiftelsen|museum|museet|kirke|kirken|tipping|"
    r"avis|avisa|avisen|forlag|forlaget|redaksjon|redaksjonen|byrå|byrået|verket|senter|senteret|"
    r"institutt|instituttet|etat|etaten|tjeneste|tjenesten|politiet|forsvaret|regjeringen|stortinget|"
    r"posten|bladet|blad|tidende|tidene|dagblad|dagbladet|nytt|næringsliv|nyheter|journalen)$", re.I)
_ORGANISATION_TOKEN = frozenset({"as", "asa", "sa", "ab", "inc", "inc.", "ltd", "ltd.", "llc", "gmbh", "ag", "plc",
                                 "news", "media", "press", "tv", "radio", "magazine", "images", "pictures", "photos",
                                 "agency", "group", "foundation", "institute", "university", "ministry", "police"})
_ORGANISATION_START = re.compile(
    r"^(?:Norges|Norsk|Norske|Statens|Den norske|Det norske|Den Norske|Det kongelige|Kongehuset|NRK|TV ?2|"
    r"Forsvaret|Politiet)\b")


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


def canonical_agency(text: str) -> str | None:
    """The one spelling of a known agency (`SCANPIX` → `NTB scanpix`), None for others."""
    return _CANONICAL.get(text.strip(" .,()").casefold())


def is_known_agency(text: str) -> bool:
    return canonical_agency(text) is not None


def looks_like_name(text: str) -> bool:
    tokens = text.replace(",", " ").split()
    if not tokens or len(tokens) > 6:
        return False
    return all(
        CAPITALISED.match(token) or token.casefold() in NAME_PARTICLES or token.casefold() in CREDIT_NOISE
        for token in tokens
    )


def looks_like_organisation(text: str) -> bool:
    """`Norges Skiforbund`, `Norsk Tipping`, `Oslo kommune`, `Fjordposten AS`: not a person."""
    if _ORGANISATION_START.match(text):
        return True
    tokens = text.split()
    return any(_ORGANISATION_WORD.search(t) or t.casefold() in _ORGANISATION_TOKEN for t in tokens)


def _is_person(text: str) -> bool:
    """Two to five capitalised words (particles and initials allowed), not an organisation."""
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or looks_like_organisation(text) or any(ch.isdigit() for ch in text):
        return False
    return all(CAPITALISED.match(t) or INITIAL.match(t) or t.casefold() in NAME_PARTICLES for t in tokens)


def name_case(name: str) -> str:
    """`BERIT ROALD` → `Berit Roald`; names not written all in capitals stay as written, and so
    does one word in capitals (`SANA`, `NTB`: an acronym more often than a name)."""
    letters = [ch for ch in name if ch.isalpha()]
    if len(name.split()) < 2 or not all(ch.isupper() for ch in letters):
        return name
    return " ".join("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")) for word in name.split())


def _is_noise(text: str) -> bool:
    return text.strip(" .,()").casefold() in CREDIT_NOISE


def _pieces(part: str) -> list[str]:
    """A credit part split at commas and between joined names, with `Surname, Given Names` put
    back together."""
    pieces = [p.strip(" .") for p in part.split(",") if p.strip(" .")]
    if len(pieces) == 2 and len(pieces[0].split()) == 1 and 1 <= len(pieces[1].split()) <= 3 \
            and not is_known_agency(pieces[0]) and not is_known_agency(pieces[1]) \
            and not looks_like_organisation(part) and looks_like_name(part):
        return [f"{pieces[1]} {pieces[0]}"]  # "Ekornesvåg, Svein Ove"
    out: list[str] = []
    for piece in pieces:
        names = [n.strip(" .") for n in _NAME_JOINER.split(piece)]
        joined = len(names) > 1 and all(looks_like_name(n) for n in names)
        out.extend(names if joined else [piece])
    return out


def parse_credit(credit: str) -> Credit:
    """Photographers and agencies of a photo credit (see the module docstring for the rules).

    `Foto: Mikhail Klimentyev / AP / NTB` -> ["Mikhail Klimentyev"], ["AP", "NTB"];
    `FOTO: Ekornesvåg, Svein Ove / NTB scanpix` -> ["Svein Ove Ekornesvåg"], ["NTB scanpix"].
    """
    raw = clean_text(credit)
    if _DATA_SOURCE.match(raw):
        return Credit(raw=raw, photographers=[], agencies=[])
    body = CREDIT_PREFIX.sub("", raw).strip()
    if raw.startswith("("):
        body = body.rstrip(" .").removesuffix(")")
    body = body.strip(" .")
    photographers: list[str] = []
    agencies: list[str] = []

    def add(target: list[str], value: str) -> None:
        if value and value.casefold() not in {v.casefold() for v in target}:
            target.append(value)

    for index, part in enumerate(p.strip(" .") for p in CREDIT_SEPARATOR.split(body)):
        if not part:
            continue
        # "Lasse Evensen (Scanpix)", "NTB (arkiv)": the parentheses hold the agency, or noise.
        inner = re.match(r"^(?P<name>[^()]+?)\s*\((?P<agency>[^()]+)\)$", part)
        after: list[str] = []
        if inner:
            part, after = inner["name"].strip(), [inner["agency"].strip()]
        for piece in _pieces(part):
            if _is_noise(piece):
                continue
            agency = canonical_agency(piece)
            if agency:
                add(agencies, agency)
            elif looks_like_organisation(piece):
                add(agencies, piece)
            elif index > 0 and photographers:
                add(agencies, piece)  # "Geir Dahl / Fjordposten": after the photographer, the outlet
            elif _is_person(piece) or looks_like_name(piece):
                add(photographers, name_case(piece))
            else:
                add(agencies, piece)
        for extra in after:
            if not _is_noise(extra):
                add(agencies, canonical_agency(extra) or extra)
    return Credit(raw=raw, photographers=photographers, agencies=agencies)
