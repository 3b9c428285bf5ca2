"""The MQA knowledge base: topics found in both languages, sourced numbers, honest gaps."""

import re

import pytest

from bot.guidance.mqa import MAX_ANSWER_WORDS, OVERVIEW, UNKNOWN, answer, load_knowledge
from bot.guidance.mqa_topics import choose_topic

KNOWLEDGE = load_knowledge()
TOPICS = sorted(t for t in KNOWLEDGE.topics if t not in (OVERVIEW, UNKNOWN))
# Three phrasings per topic and language, as coordinators ask them.
QUESTIONS = {
    "definition": {
        "en": [
            "what counts as a micro-credential?",
            "what is the definition of a micro-credential",
            "is a short course a micro-credential?",
        ],
        "ms": [
            "apa itu mikro-kredensial?",
            "apakah definisi mikro-kredensial",
            "adakah kursus pendek dikira sebagai mikro-kredensial",
        ],
    },
    "credit": {
        "en": [
            "how many credits can a micro-credential have",
            "what is student learning time",
            "how many learning hours make one credit",
        ],
        "ms": [
            "berapa nilai kredit mikro-kredensial",
            "berapa jam pembelajaran untuk satu kredit",
            "apa itu masa pembelajaran pelajar",
        ],
    },
    "mqf_level": {
        "en": [
            "which MQF level can a micro-credential be at",
            "what are the MQF levels",
            "at what level should we offer it",
        ],
        "ms": [
            "pada tahap MQF berapa mikro-kredensial boleh ditawarkan",
            "apakah tahap dalam kerangka kelayakan",
            "aras MQF yang sesuai",
        ],
    },
    "outcomes_assessment": {
        "en": [
            "how should micro-credentials be assessed",
            "do we need learning outcomes",
            "is attendance enough or must there be an exam",
        ],
        "ms": [
            "bagaimana pentaksiran mikro-kredensial",
            "perlukah hasil pembelajaran",
            "adakah pelajar perlu ditaksir",
        ],
    },
    "certificate": {
        "en": ["what must the certificate state", "what goes on the transcript", "what should be printed for learners"],
        "ms": [
            "apa yang perlu ada pada sijil",
            "apa kandungan transkrip mikro-kredensial",
            "maklumat apa yang dicetak",
        ],
    },
    "stacking": {
        "en": [
            "can learners stack micro-credentials",
            "does it count towards a degree",
            "how does credit transfer work",
        ],
        "ms": [
            "bolehkah pelajar menghimpunkan mikro-kredensial",
            "adakah ia dikira untuk ijazah",
            "bagaimana pemindahan kredit",
        ],
    },
    "apel": {
        "en": ["and for APEL?", "what is APEL.M", "can prior learning be recognised"],
        "ms": ["bagaimana pula dengan APEL?", "apa itu APEL.C", "pengiktirafan pembelajaran terdahulu"],
    },
    "accreditation": {
        "en": [
            "how do we get MQA accreditation",
            "do self-accrediting universities need approval",
            "do we have to notify MQA through eSP",
        ],
        "ms": [
            "bagaimana proses akreditasi",
            "universiti swa-akreditasi perlu kelulusan?",
            "perlukah pendaftaran dengan MQA",
        ],
    },
    "qa_checklist": {
        "en": [
            "is there a checklist before submission",
            "what quality assurance do we need",
            "what should I check before submitting",
        ],
        "ms": ["ada senarai semak?", "apa perlu disemak sebelum penyerahan", "apakah jaminan kualiti yang diperlukan?"],
    },
    "badges": {
        "en": ["are digital badges micro-credentials", "what about open badges", "is a badge enough"],
        "ms": ["adakah lencana digital mikro-kredensial", "bagaimana dengan lencana", "lencana untuk pelajar"],
    },
    "eu_comparison": {
        "en": [
            "how does Malaysia compare with the EU",
            "what does Europe require",
            "is our approach like the European one",
        ],
        "ms": ["bagaimana perbandingan dengan Kesatuan Eropah", "apa syarat di Eropah", "perbandingan antarabangsa"],
    },
}


def test_every_topic_has_questions():
    assert sorted(QUESTIONS) == TOPICS


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("language", ["en", "ms"])
def test_each_topic_is_found_for_three_phrasings(topic, language):
    for question in QUESTIONS[topic][language]:
        assert choose_topic(question).topic == topic, question


@pytest.mark.parametrize("topic", sorted(KNOWLEDGE.topics))
@pytest.mark.parametrize("language", ["en", "ms"])
def test_answers_are_short_and_end_with_their_sources(topic, language):
    text = answer(topic, language)
    body, source = text.rsplit("\n", 1)
    assert len(body.split()) <= MAX_ANSWER_WORDS
    assert source.startswith({"en": "Source: ", "ms": "Sumber: "}[language])
    for fact in KNOWLEDGE.topics[topic].facts:
        assert fact.citation in source


def _numbers(text: str):
    # "8/2020", "5,737", "61-64", "2nd" -> their digit runs.
    return set(re.findall(r"\d+", text))


@pytest.mark.parametrize("topic", sorted(KNOWLEDGE.topics))
@pytest.mark.parametrize("language", ["en", "ms"])
def test_every_number_in_an_answer_comes_from_the_facts_it_cites(topic, language):
    cited = " ".join(f"{f.text} {f.document} {f.section} {f.year}" for f in KNOWLEDGE.topics[topic].facts)
    # MQA's guideline index and its item number are the pointer every answer may give.
    sourced = _numbers(cited) | _numbers(KNOWLEDGE.index_url) | {"11"}
    body = KNOWLEDGE.topics[topic].text.get(language)
    assert _numbers(body) - sourced == set(), f"{topic}/{language} states numbers it does not source"


@pytest.mark.parametrize(
    "question", ["how much does MQA charge to evaluate a course?", "berapa yuran MQA untuk penilaian?"]
)
def test_questions_outside_the_knowledge_base_get_an_honest_answer(question):
    assert choose_topic(question).topic == UNKNOWN
    text = answer(UNKNOWN, "en")
    assert "I don't know" in text and KNOWLEDGE.index_url in text


def test_a_general_question_gets_the_overview():
    for question in ("what does MQA say about micro-credentials?", "apa kata MQA?", "/ask_mqa"):
        assert choose_topic(question).topic == OVERVIEW


def test_unverified_points_are_said_to_be_unverified():
    for topic in KNOWLEDGE.topics.values():
        if topic.says_unknown:
            assert "could not verify" in topic.text.get("en") and "tidak dapat mengesahkan" in topic.text.get("ms")
            assert KNOWLEDGE.index_url in topic.text.get("en")


def test_a_topic_citing_a_missing_fact_is_rejected(tmp_path):
    import shutil

    import yaml

    from bot.guidance import mqa

    for name in ("mqa.yml", "mqa_facts.yml"):
        shutil.copy(mqa.GUIDANCE_DIR / name, tmp_path / name)
    raw = yaml.safe_load((tmp_path / "mqa.yml").read_text())
    raw["topics"]["apel"]["statements"][0]["from"] += " 9.9"
    (tmp_path / "mqa.yml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="9.9"):
        mqa.load_knowledge(str(tmp_path))
