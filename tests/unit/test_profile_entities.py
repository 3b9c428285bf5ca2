"""The project's spaCy pipeline and the profile facts read from free text."""

import pytest

from bot.core.instrument import load_instrument
from bot.core.profile import facts_from_entities, parse_profile_field
from bot.nlp.build import build_pipeline
from bot.nlp.gazetteer import load_gazetteer

INSTRUMENT = load_instrument()
GAZETTEER = load_gazetteer()


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


def entities(nlp, text):
    return [{"entity": e.label_, "value": e.text} for e in nlp(text).ents]


@pytest.mark.parametrize(
    "text, facts",
    [
        (
            "I coordinate the MEd programme at UPM's education faculty, Serdang",
            {
                "institution": "Universiti Putra Malaysia",
                "faculty": "Faculty of Education",
                "role": "programme_coordinator",
                "zone": "central",
            },
        ),
        (
            "Senior lecturer, School of Educational Studies, USM Penang",
            {
                "institution": "Universiti Sains Malaysia",
                "faculty": "School of Educational Studies",
                "role": "senior_lecturer",
                "zone": "north",
            },
        ),
        (
            "I'm the programme director at the Faculty of Marine Sciences, UMT",
            {
                "institution": "Universiti Malaysia Terengganu",
                "faculty": "Faculty of Marine Sciences",
                "role": "programme_director",
                "zone": "east_coast",
            },
        ),
        (
            "pensyarah kanan di Fakulti Pengajian Pendidikan, Universiti Putra Malaysia",
            {
                "institution": "Universiti Putra Malaysia",
                "faculty": "Faculty of Educational Studies",
                "role": "senior_lecturer",
                "zone": "central",
            },
        ),
        (
            "lecturer at UiTM Shah Alam",
            {"institution": "Universiti Teknologi MARA", "role": "lecturer", "zone": "central"},
        ),
        ("we are based in Kota Kinabalu", {"zone": "east_malaysia"}),
        (
            "UTM Skudai, engineering faculty",
            {"institution": "Universiti Teknologi Malaysia", "faculty": "Faculty of Engineering", "zone": "south"},
        ),
    ],
)
def test_profile_facts_from_free_text(nlp, text, facts):
    assert facts_from_entities(entities(nlp, text), GAZETTEER) == facts


def test_case_sensitive_acronyms_do_not_fire_on_ordinary_words(nlp):
    assert entities(nlp, "um, I think the inti of the matter is time") == []
    assert entities(nlp, "I work at UM")[0] == {"entity": "institution", "value": "UM"}


@pytest.mark.parametrize(
    "field, typed, value",
    [
        ("institution", "upm", "Universiti Putra Malaysia"),
        ("institution", "the University of Malaya", "Universiti Malaya"),
        ("institution", "kolej komuniti selayang", "Kolej Komuniti Selayang"),
        ("faculty", "education", "Faculty of Education"),
        ("faculty", "centre for languages", "Centre for Languages"),
        ("role", "Programme coordinator", "programme_coordinator"),
        ("role", '/inform_profile{"role": "senior_lecturer"}', "senior_lecturer"),
        ("role", "dean", "other"),
        ("zone", "Pantai Timur", "east_coast"),
        ("zone", "Utara", "north"),
        ("zone", "zon tengah", "central"),
        ("zone", "Selatan", "south"),
        ("zone", "Malaysia Timur", "east_malaysia"),
        ("role", "penyelaras program", "programme_coordinator"),
        ("role", "Pensyarah Kanan", "senior_lecturer"),
        ("role", "pengarah program", "programme_director"),
        ("faculty", "Fakulti Pengajian Pendidikan", "Faculty of Educational Studies"),
        ("zone", "Johor", "south"),
        ("zone", '/inform_profile{"zone": "east_malaysia"}', "east_malaysia"),
    ],
)
def test_typed_profile_answers(field, typed, value):
    assert parse_profile_field(field, typed, [], INSTRUMENT, GAZETTEER) == value


@pytest.mark.parametrize(
    "field, typed",
    [("role", "astronaut"), ("zone", "Mars"), ("institution", "why?"), ("faculty", "😀"), ("institution", "x" * 500)],
)
def test_unclear_profile_answers_are_refused(field, typed):
    assert parse_profile_field(field, typed, [], INSTRUMENT, GAZETTEER) is None


def test_faculty_units_match_whole_words_only():
    # "school" inside "preschool" is not a unit; the typed name is kept as it is instead.
    assert GAZETTEER.faculty_for("preschool education") is None
    assert GAZETTEER.faculty_for("Pusat Pengajian Pendidikan") == "School of Education"
