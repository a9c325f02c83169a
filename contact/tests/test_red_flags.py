"""Red-flag rules, per flag: everyday phrasings that must raise it and texts that share a word
but must not. The platform flags; it never diagnoses."""

import pytest

from contact.rules.red_flags import FLAGS, flags_for, flags_in_text

MUST = {
    "chest_pain": [
        "Jag har ont i bröstet sedan en timme",
        "Det trycker över bröstet när jag går i trappan",
        "tryck över bröstet och kallsvettig",
        "Har fått bröstsmärtor i natt",
        "Bröstet värker och det strålar ut i vänster arm",
        "det hugger i hjärtat",
        "Pappa har väldigt ont i bröstet",
        "smärta som strålar ut mot käken",
    ],
    "breathing": [
        "Jag har svårt att andas",
        "Min son får inte luft",
        "kan inte andas ordentligt",
        "Han kämpar för att andas",
        "andnöd sedan i morse",
        "jag är andfådd i vila",
        "hon är blå runt läpparna",
        "Får knappt luft när jag ligger ner",
    ],
    "stroke": [
        "Mammas mungipa hänger och hon sluddrar",
        "Pappa pratar sluddrigt sedan lunch",
        "Han kan inte lyfta höger arm",
        "domningar i ena sidan av kroppen",
        "svaghet i vänster arm och ben",
        "Jag tror att hon har fått en stroke",
        "hittar inte orden plötsligt",
        "munnen hänger snett på ena sidan",
    ],
    "bleeding": [
        "Det blöder kraftigt från såret",
        "Näsan blöder och slutar inte",
        "det slutar inte att blöda",
        "Han kräks blod",
        "blod i kräkningen",
        "en kraftig blödning efter förlossningen",
        "blöder mycket från ett sår på benet",
        "blodet sprutar",
    ],
    "suicide": [
        "Jag vill inte leva längre",
        "Jag tänker på att ta livet av mig",
        "har självmordstankar",
        "Jag orkar inte leva",
        "Min dotter säger att hon vill dö",
        "jag har börjat skada mig själv igen",
        "vill inte finnas till",
        "Jag funderar på att ta mitt liv",
    ],
}

MUST_NOT = {
    "chest_pain": [
        "Jag har ont i halsen",
        "ont i magen och huvudvärk",
        "Jag har inte ont i bröstet",
        "utslag på bröstkorgen som kliar",
        "Behöver förnya hjärtmedicinen",
        "ammar och har ett sår på bröstvårtan",
        "värk i ryggen",
    ],
    "breathing": [
        "Jag har inte svårt att andas",
        "Andas normalt men hostar",
        "täppt i näsan",
        "vill boka astmakontroll",
        "blev andfådd när jag sprang till bussen",
    ],
    "stroke": [
        "Mitt barn sluttar inte äta",  # not "sluddrar"
        "ont i armen efter vaccinationen",
        "min arm domnar när jag sover på den",
        "vill förnya receptet på blodförtunnande",
        "svårt att lyfta tunga saker efter operationen",
    ],
    "bleeding": [
        "Jag blöder lite näsblod ibland",
        "vill ta blodprov",
        "svar på blodprovet",
        "blodtrycket är högt",
        "blöder inte längre",
    ],
    "suicide": [
        "Jag vill förnya mitt recept",
        "Jag mår bra och vill leva hälsosamt",
        "inga självmordstankar, men jag sover dåligt",
        "dödstrött efter jobbet",
        "min hund dog förra veckan",
    ],
}


@pytest.mark.parametrize(("flag", "text"), [(f, t) for f, texts in MUST.items() for t in texts])
def test_everyday_phrasing_raises_its_flag(flag, text):
    assert flag in flags_in_text(text)


@pytest.mark.parametrize(("flag", "text"), [(f, t) for f, texts in MUST_NOT.items() for t in texts])
def test_harmless_text_sharing_a_word_does_not_raise_the_flag(flag, text):
    assert flag not in flags_in_text(text)


def test_every_flag_has_phrasings_that_must_and_must_not_match():
    assert set(MUST) == set(MUST_NOT) == {flag.key for flag in FLAGS}
    assert all(len(MUST[key]) >= 5 and len(MUST_NOT[key]) >= 5 for key in MUST)


def test_a_sore_throat_is_not_chest_pain():
    assert flags_in_text("Jag har haft ont i halsen i tre dagar och feber") == []


def test_a_yes_to_a_question_tied_to_a_flag_raises_it_and_text_answers_are_read_too():
    found = flags_for("Hosta", {"chest": "ja", "other": "det trycker över bröstet", "fever": "nej"},
                      {"chest": "breathing"})
    assert found == ["chest_pain", "breathing"]
    assert flags_for("Hosta", {"chest": "nej"}, {"chest": "breathing"}) == []
