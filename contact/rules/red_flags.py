"""Red flags: text or answers that suggest an emergency, so the resident sees the advice to call
112 before anything is sent and the matter arrives flagged for immediate assessment.

The platform flags; it never diagnoses. The rules are data: per flag, the everyday Swedish
phrasings that must raise it (regular expressions over the lower-cased text, whole words), and
phrasings that share a word but mean something else are kept out by the patterns' shape (body
part next to the pain word), not by a list of exceptions. A flag phrase right after a negation
("inte", "ingen", "inga", "utan") within three words does not count: "har inte ont i bröstet".
Tests per flag (contact/tests/test_red_flags.py) hold the phrasings that must and must not match.
"""

import re
from dataclasses import dataclass

# Small building blocks of the everyday language.
_PAIN = r"(?:ont|värk|smärt\w*|tryck\w*|sticker|hugger|kramp\w*)"
_CHEST = r"(?:bröst\w*|hjärt\w*)"


@dataclass(frozen=True)
class Flag:
    key: str
    label: str  # what staff see on the matter
    advice: str  # what the resident sees before sending
    patterns: tuple


FLAGS = (
    Flag(
        "chest_pain", "Bröstsmärta",
        "Ont eller tryck i bröstet kan vara allvarligt. Ring 112 nu om det har kommit plötsligt, "
        "om det strålar ut i armen, halsen eller käken, eller om du mår illa eller är kallsvettig.",
        (
            rf"\b{_PAIN}\s+(?:\w+\s+){{0,2}}i\s+(?:hela\s+)?{_CHEST}",   # ont i bröstet, tryck över.. see next
            rf"\b{_PAIN}\s+över\s+{_CHEST}",                              # tryck över bröstet
            r"\bbröstsmärt\w*",                                           # bröstsmärta, bröstsmärtor
            r"\bbröstet\s+(?:värker|gör\s+ont|trycker|sticker|kramar)",   # bröstet värker
            r"\b(?:strålar|strålande)\s+(?:\w+\s+){0,2}(?:ut\s+)?(?:i|mot)\s+(?:vänster\s+)?(?:arm\w*|käk\w*)",
            r"\b(?:hjärtinfarkt|infarkt)\b",
            r"\bkramar\s+(?:åt\s+)?(?:om\s+)?(?:i\s+)?bröstet",
        ),
    ),
    Flag(
        "breathing", "Andningssvårigheter",
        "Svårt att andas kan vara allvarligt. Ring 112 nu om du inte kan prata hela meningar, "
        "om läpparna blir blå eller om det blir sämre snabbt.",
        (
            r"\b(?:svårt|svårigheter|problem|jobbigt|kämpar)\s+(?:\w+\s+){0,2}(?:att\s+)?andas\b",
            r"\bandnöd\b",
            r"\b(?:får|fick|kan)\s+(?:inte|knappt|ingen)\s+(?:\w+\s+)?(?:luft|andas)\b",
            r"\bkvävs\b|\bkvävning\w*",
            r"\bandfådd\s+(?:\w+\s+){0,2}(?:i\s+vila|när\s+jag\s+(?:sitter|ligger)|hela\s+tiden)",
            r"\bblå\s+(?:om|runt|i)\s+(?:läpparna|munnen)",
            r"\bpiper\s+(?:och\s+\w+\s+)?när\s+(?:jag|han|hon|hen)\s+andas",
        ),
    ),
    Flag(
        "stroke", "Tecken på stroke",
        "Sned mun, svaghet i ena armen eller benet och sluddrigt tal är tecken på stroke. Ring 112 "
        "direkt – varje minut räknas.",
        (
            r"\b(?:hängande|sned|snett|hänger)\s+(?:\w+\s+){0,2}(?:mun\w*|mungipa\w*|ansikte\w*)",
            r"\b(?:mun\w*|mungipa\w*|ansiktet)\s+(?:\w+\s+){0,2}(?:hänger|sned|snett)",
            r"\bsluddr\w*",
            r"\b(?:kan|orkar)\s+inte\s+(?:\w+\s+){0,2}lyfta\s+(?:\w+\s+){0,2}(?:arm\w*|ben\w*)",
            r"\b(?:domn\w*|förlamad|förlamning|svag\w*|känsel\w*)\s+(?:\w+\s+){0,3}(?:i\s+)?(?:ena|höger|vänster)\s+"
            r"(?:sidan|arm\w*|ben\w*|kroppshalva\w*|ansikts\w*)",
            r"\b(?:stroke|slaganfall|propp\s+i\s+hjärnan|hjärnblödning)\b",
            r"\bhittar\s+inte\s+orden\b|\bkan\s+inte\s+prata\s+(?:ordentligt|rent|normalt)\b",
        ),
    ),
    Flag(
        "bleeding", "Kraftig blödning",
        "En blödning som inte går att stoppa är ett akut läge. Tryck hårt på såret och ring 112.",
        (
            r"\b(?:blöder|blödde|blödning\w*)\s+(?:\w+\s+){0,2}(?:kraftigt|mycket|massor|rejält|"
            r"väldigt|och\s+slutar\s+inte|fortfarande\s+kraftigt)",
            r"\b(?:kraftig|stor|svår|okontrollerad)\w*\s+blödning",
            r"\bslutar\s+inte\s+(?:att\s+)?blöda\b|\bgår\s+inte\s+att\s+stoppa\s+blödningen",
            r"\b(?:kräks|kräktes|kräkts|hostar|hostade)\s+(?:upp\s+)?blod\b",
            r"\bblod\s+i\s+(?:kräkningen|kräkningarna|kräk\w*)",
            r"\bforsar\s+blod\b|\bblodet\s+(?:forsar|sprutar|rinner\s+ner)",
        ),
    ),
    Flag(
        "suicide", "Självmordstankar",
        "Har du tankar på att ta ditt liv? Ring 112 om du är i fara nu. Du kan också ringa "
        "Självmordslinjen 90101 eller 1177 – du behöver inte vara ensam med det här.",
        (
            r"\bta\s+livet\s+av\s+(?:mig|sig|honom|henne|hen)\b",
            r"\bta\s+mitt\s+(?:eget\s+)?liv\b",
            r"\bsjälvmord\w*",
            r"\b(?:vill|ville)\s+(?:inte\s+leva|dö)\b",
            r"\b(?:orkar|vill)\s+inte\s+leva\s+längre\b|\borkar\s+inte\s+leva\b",
            r"\b(?:skada|skära)\s+mig\s+själv\b",
            r"\binte\s+vill\s+finnas\s+(?:till|kvar)\b|\bvill\s+inte\s+finnas\b",
            r"\bbättre\s+(?:om\s+jag\s+var\s+)?död\b",
        ),
    ),
)
BY_KEY = {flag.key: flag for flag in FLAGS}
_NEGATION = re.compile(r"\b(?:inte|ej|ingen|inga|inget|utan|aldrig)\s+(?:\w+\s+){0,2}$")
_COMPILED = [(flag, [re.compile(p) for p in flag.patterns]) for flag in FLAGS]


def _normalise(text):
    return re.sub(r"\s+", " ", (text or "").lower())


def _counts(text, match):
    """A hit counts unless a negation stands just before it; a phrase that carries its own
    negation ("kan inte andas", "vill inte leva") always counts."""
    if re.search(r"\b(?:inte|ingen|knappt)\b", match.group(0)):
        return True
    return not _NEGATION.search(text[max(0, match.start() - 40):match.start()])


def flags_in_text(text):
    """The keys of the flags the text raises, in FLAGS order."""
    text = _normalise(text)
    return [flag.key for flag, patterns in _COMPILED
            if any(_counts(text, m) for pattern in patterns for m in pattern.finditer(text))]


def flags_for(text, answers=(), question_flags=None):
    """Flags from the free text, the free-text answers and the yes-answers of questions that the
    region tied to a flag (`question_flags`: {question key: flag key}). Sorted as FLAGS."""
    found = set(flags_in_text(text))
    question_flags = question_flags or {}
    for key, value in dict(answers).items():
        if isinstance(value, str):
            if value == "ja" and key in question_flags:
                found.add(question_flags[key])
            else:
                found.update(flags_in_text(value))
    return [flag.key for flag in FLAGS if flag.key in found]


def labels(keys):
    return [BY_KEY[key].label for key in keys if key in BY_KEY]


def advice(keys):
    return [BY_KEY[key] for key in keys if key in BY_KEY]
