"""Speech verbs and pronouns of Bokmål and Nynorsk: the words that attribute a quote.

One table per written standard, each verb in its present and past tense. A verb with a
particle (`legger til`, `held fram`) is written with it; in an attribution the subject comes
between the verb and the particle (`la han til`, `held ho fram`), so the finite verb opens the
attribution and the particle ends the speaker.
"""

from __future__ import annotations

BOKMAL_SPEECH_VERBS: tuple[str, ...] = (
    "sier", "sa", "forteller", "fortalte", "mener", "mente", "skriver", "skrev",
    "legger til", "la til", "fortsetter", "fortsatte", "understreker", "understreket",
    "påpeker", "påpekte", "opplyser", "opplyste", "uttaler", "uttalte", "svarer", "svarte",
    "spør", "spurte", "forklarer", "forklarte", "konstaterer", "konstaterte", "fastslår", "fastslo",
    "hevder", "hevdet", "tilføyer", "tilføyde", "utdyper", "utdypet", "advarer", "advarte",
    "roper", "ropte", "innrømmer", "innrømmet", "erkjenner", "erkjente", "bekrefter", "bekreftet",
    "presiserer", "presiserte", "sukker", "sukket", "ler", "lo", "smiler", "smilte",
    "mumler", "mumlet", "konkluderer", "konkluderte", "medgir", "medga", "kommenterer",
    "kommenterte", "poengterer", "poengterte", "forsikrer", "forsikret", "gjentar", "gjentok",
    "skyter inn", "skjøt inn", "oppsummerer", "oppsummerte", "avslutter", "avsluttet",
    "anslår", "anslo", "beskriver", "beskrev", "røper", "røpet", "avslører", "avslørte",
    "tvitrer", "tvitret", "twitrer", "twitret", "melder", "meldte", "insisterer", "insisterte",
    "lover", "lovet", "slår fast", "slo fast", "framholder", "fremholder", "framholdt", "fremholdt",
    "utbryter", "utbrøt", "påstår", "påsto", "uttrykker", "uttrykte",
)

NYNORSK_SPEECH_VERBS: tuple[str, ...] = (
    "seier", "sa", "fortel", "fortalde", "fortalte", "meiner", "meinte", "skriv", "skreiv",
    "legg til", "la til", "held fram", "heldt fram", "fortset", "fortsette", "understrekar",
    "understreka", "peikar på", "peika på", "påpeikar", "påpeika", "opplyser", "opplyste",
    "uttaler", "uttalte", "svarar", "svara", "spør", "spurde", "forklarar", "forklarte",
    "konstaterer", "konstaterte", "slår fast", "slo fast", "hevdar", "hevda", "legg vekt på",
    "åtvarar", "åtvara", "ropar", "ropa", "innrømmer", "innrømde", "vedgår", "vedgjekk",
    "stadfestar", "stadfesta", "presiserer", "presiserte", "sukkar", "sukka", "ler", "lo",
    "smiler", "smilte", "kommenterer", "kommenterte", "gjentek", "gjentok", "konkluderer",
    "konkluderte", "utdjupar", "utdjupa", "skyt inn", "skaut inn", "oppsummerer", "oppsummerte",
    "avsluttar", "avslutta", "lovar", "lova", "meldar", "melde", "tvitra", "tvitrar",
    "utbryt", "utbraut", "ytrar", "ytra", "påstår", "påstod", "uttrykkjer", "uttrykte",
)

SPEECH_VERBS: dict[str, tuple[str, ...]] = {"nb": BOKMAL_SPEECH_VERBS, "nn": NYNORSK_SPEECH_VERBS}

# Verbs that bring in someone's words in guillemets but do not attribute a dash quote:
# `kaller pågripelsen «et angrep»`, `omtala det som «ei krise»`, `ved å si at «…»`.
REPORTING_VERBS: dict[str, tuple[str, ...]] = {
    "nb": ("kaller", "kalte", "omtaler", "omtalte", "karakteriserer", "karakteriserte", "beskriver", "beskrev",
           "si", "uttale", "skrive", "fortelle", "hevde", "svare", "krever", "krevde"),
    "nn": ("kallar", "kalla", "omtalar", "omtala", "karakteriserer", "karakteriserte", "skildrar", "skildra",
           "seie", "seia", "uttale", "skrive", "skriva", "fortelje", "fortelja", "hevde", "svare", "svara",
           "krev", "kravde"),
}

# Personal pronouns that can be the whole speaker: `sier hun`, `seier ho`, `sa dei`.
BOKMAL_PRONOUNS = frozenset({"han", "hun", "de", "vi", "jeg", "du", "dere", "den", "det", "man"})
NYNORSK_PRONOUNS = frozenset({"han", "ho", "dei", "vi", "me", "eg", "du", "de", "dykk", "den", "det", "ein"})
PRONOUNS = BOKMAL_PRONOUNS | NYNORSK_PRONOUNS
# Third person singular: a pronoun that points at one person named before.
SINGULAR_PRONOUNS = frozenset({"han", "hun", "ho"})


def finite_verbs() -> frozenset[str]:
    """The verb that opens an attribution, in either standard (`legger` of `legger til`)."""
    return frozenset(verb.split()[0] for verbs in SPEECH_VERBS.values() for verb in verbs)


def reporting_verbs() -> frozenset[str]:
    """Speech verbs and the verbs that report words in guillemets, in either standard."""
    return finite_verbs() | frozenset(verb for verbs in REPORTING_VERBS.values() for verb in verbs)


def particle_only_verbs() -> dict[str, frozenset[str]]:
    """Verbs that speak only with their particle (`la … til`, `held … fram`): verb -> particles."""
    alone = frozenset(verb for verbs in SPEECH_VERBS.values() for verb in verbs if " " not in verb)
    needs: dict[str, set[str]] = {}
    for verbs in SPEECH_VERBS.values():
        for verb in verbs:
            first, *rest = verb.split()
            if rest and first not in alone:
                needs.setdefault(first, set()).add(rest[0])
    return {verb: frozenset(words) for verb, words in needs.items()}


def particles() -> frozenset[str]:
    """Words that close a speaker after a particle verb (`la han til`, `held ho fram`)."""
    return frozenset(word for verbs in SPEECH_VERBS.values() for verb in verbs for word in verb.split()[1:])
