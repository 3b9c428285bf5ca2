"""Sedia's spaCy pipeline: an Indonesian base with Bahasa Melayu lemmas."""

import re

import pytest

from bot.nlp.build import BASE_LANGUAGE, build_pipeline
from bot.nlp.malay import lemma_table, with_lemmas


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


def lemmas(nlp, text):
    return [(t.text, t.lemma_) for t in nlp(text)]


def test_base_is_indonesian(nlp):
    assert BASE_LANGUAGE == "id" and nlp.lang == "id"


def test_informal_malay_gets_the_standard_word_and_the_text_is_kept(nlp):
    assert lemmas(nlp, "takde bajetnya utk x") == [
        ("takde", "tiada"),
        ("bajetnya", "budget"),
        ("utk", "untuk"),
        ("x", "tidak"),
    ]


def test_mixed_words_share_one_lemma(nlp):
    malay = [t.lemma_ for t in nlp("pensyarah tiada bajet latihan")]
    english = [t.lemma_ for t in nlp("lecturers no budget training")]
    assert malay[0] == english[0] == "lecturer"
    assert malay[2] == english[2] == "budget"
    assert malay[3] == english[3] == "training"


def test_raw_text_gets_the_pipelines_lemmas_and_keeps_its_punctuation(nlp):
    text = "Pensyarah TAKDE bajetnya... Utk pensyarah-pensyarah, x cukup. We don't know."
    assert with_lemmas(text) == "lecturer tiada budget... untuk lecturer-lecturer, tidak cukup. we don't know."
    # Rasa lower-cases the text before spaCy reads it (case_sensitive: false in config.yml).
    lemmas_of_words = [t.lemma_ for t in nlp(text.lower()) if t.text.isalpha()]
    assert lemmas_of_words == [w for w in re.findall(r"[\w']+", with_lemmas(text)) if w.isalpha()]


def test_tokens_english_contractions_and_malay_reduplication(nlp):
    assert [t.text for t in nlp("we don't have pensyarah-pensyarah")] == [
        "we",
        "don't",
        "have",
        "pensyarah",
        "-",
        "pensyarah",
    ]


def test_unknown_words_keep_their_own_form(nlp):
    assert lemmas(nlp, "zebra") == [("zebra", "zebra")]


def test_every_lemma_is_lower_case_and_clitics_follow_their_stem():
    table = lemma_table()
    assert all(k == k.lower() and v == v.lower() for k, v in table.items())
    assert table["rakamannya"] == table["rakaman"] == "recording"
    assert table["bolehkah"] == "boleh"


@pytest.mark.parametrize(
    "text, topic",
    [
        ("and for apel?", "apel"),
        ("berapa kredit diperlukan", "credit"),
        ("adakah lencana digital dikira", "badges"),
        ("is there a checklist before submission", "qa_checklist"),
    ],
)
def test_mqa_topics_are_entities(nlp, text, topic):
    assert {e.ent_id_ for e in nlp(text).ents if e.label_ == "mqa_topic"} == {topic}
