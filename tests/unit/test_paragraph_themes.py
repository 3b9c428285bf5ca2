"""Long messages are read sentence by sentence, inside Rasa's pipeline (issue 18)."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.paragraph_component import PARAGRAPH_KEY, ParagraphThemes
from bot.nlp.paragraph_themes import ThemeModel, has_question, is_paragraph, split_sentences, with_sentences

TRAINING = {
    "theme_infrastructure": [
        "we have no studio to record videos",
        "the internet on campus is slow",
        "no budget for software licences",
        "our laptops are old and the platform crashes",
        "tiada bajet untuk peralatan rakaman",
    ],
    "theme_training": [
        "lecturers need training on the platform",
        "we need more instructional designers",
        "workshops on online teaching would help",
        "staff lack skills to design online courses",
        "pensyarah perlu latihan reka bentuk",
    ],
}
LONG_INFRASTRUCTURE = (
    "Our campus internet is slow every afternoon. The studio has no proper microphone and the "
    "software licences expired last year. Without a budget for equipment we cannot record anything."
)


def test_sentences_end_at_stops_ellipses_and_line_breaks_and_short_fragments_join_the_next():
    text = "For me... micro-credential is good. It adds on to a degree; learners stack them\nlater on! Yes."
    assert split_sentences(text) == [
        "For me micro-credential is good.",
        "It adds on to a degree;",
        "learners stack them later on! Yes.",
    ]
    assert split_sentences("") == []


def test_only_long_free_text_is_a_paragraph_and_a_question_mark_makes_a_question():
    assert is_paragraph(LONG_INFRASTRUCTURE)
    assert not is_paragraph("our studio is too small")
    assert not is_paragraph('/answer_scale{"scale_value": "4"} ' + "word " * 30)
    assert has_question("We plan a course. What does MQA need?") and not has_question(LONG_INFRASTRUCTURE)


def test_long_examples_are_also_learnt_sentence_by_sentence_with_their_label():
    texts = ["we need training", LONG_INFRASTRUCTURE]
    labels = ["theme_training", "theme_infrastructure"]
    more_texts, more_labels = with_sentences(texts, labels)
    assert more_texts == [*texts, *split_sentences(LONG_INFRASTRUCTURE)]
    assert more_labels == [*labels, *["theme_infrastructure"] * 3]


def test_a_sentence_of_a_long_example_reads_closer_to_its_label_when_sentences_are_learnt():
    texts = [t for examples in TRAINING.values() for t in examples]
    labels = [i for i, examples in TRAINING.items() for _ in examples]
    # Read whole, the long example's words are diluted among its other sentences; learnt
    # sentence by sentence, its last sentence alone is known to be about infrastructure.
    long_training = (
        "Our campus internet drops every single afternoon without warning. The only studio is shared by "
        "three faculties at once. We cannot plan anything around it."
    )
    sentence = "We cannot plan anything around it."
    with_them = ThemeModel().fit([*texts, long_training], [*labels, "theme_infrastructure"])
    without = ThemeModel(learn_sentences=False).fit([*texts, long_training], [*labels, "theme_infrastructure"])
    (learnt,) = with_them.sentence_scores([sentence])
    (unlearnt,) = without.sentence_scores([sentence])
    assert learnt["theme_infrastructure"] > unlearnt["theme_infrastructure"]
    assert learnt["theme_infrastructure"] > 0.5


def test_the_reader_sees_malay_words_as_their_lemmas_as_diet_does():
    english = {
        "theme_infrastructure": ["no budget for equipment", "the budget for the studio was cut"],
        "theme_training": ["lecturers need more skills", "skills workshops for lecturers"],
    }
    texts = [t for examples in english.values() for t in examples]
    labels = [i for i, examples in english.items() for _ in examples]
    reader = ThemeModel().fit(texts, labels)
    # "bajetnya" and "pensyarah" were never seen; their lemmas "budget" and "lecturer" were.
    (budget,) = reader.sentence_scores(["takde bajetnya"])
    (lecturers,) = reader.sentence_scores(["pensyarah-pensyarah kami"])
    assert budget["theme_infrastructure"] > 0.5 and lecturers["theme_training"] > 0.5


@pytest.fixture
def component(tmp_path: Path) -> ParagraphThemes:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("paragraph_themes")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = ParagraphThemes.create({**ParagraphThemes.get_default_config()}, storage, resource, context)
    examples = [Message(data={TEXT: t, INTENT: i}) for i, texts in TRAINING.items() for t in texts]
    trained.train(TrainingData(training_examples=examples))
    # What the Rasa server does: load the persisted model into a new component.
    return ParagraphThemes.load({**ParagraphThemes.get_default_config()}, storage, resource, context)


def test_the_component_learns_from_its_long_examples_and_retrains_when_they_change(tmp_path: Path):
    folder = tmp_path / "paragraphs"
    folder.mkdir()
    (folder / "en.yml").write_text(
        "themes:\n  quality:\n  - " + LONG_INFRASTRUCTURE.replace("studio", "rubric") + "\n", encoding="utf-8"
    )
    config = {**ParagraphThemes.get_default_config(), "long_examples": str(folder)}
    before = ParagraphThemes.fingerprint_addon(config)
    (tmp_path / "model").mkdir()
    storage, resource = LocalModelStorage(tmp_path / "model"), Resource("paragraph_themes")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = ParagraphThemes.create(config, storage, resource, context)
    examples = [Message(data={TEXT: t, INTENT: i}) for i, texts in TRAINING.items() for t in texts]
    trained.train(TrainingData(training_examples=examples))
    loaded = ParagraphThemes.load(config, storage, resource, context)
    assert "theme_quality" in loaded._model.themes
    (folder / "en.yml").write_text("themes:\n  quality: []\n", encoding="utf-8")
    assert ParagraphThemes.fingerprint_addon(config) != before
    assert ParagraphThemes.fingerprint_addon(ParagraphThemes.get_default_config()) is None


def _parsed(text: str, ranking) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    return message


def test_a_paragraph_diet_is_sure_of_for_the_wrong_theme_gets_its_sentences_theme(component):
    message = _parsed(LONG_INFRASTRUCTURE, [("theme_training", 0.99), ("theme_infrastructure", 0.01)])
    component.process([message])
    assert message.get(INTENT)["name"] == "theme_infrastructure"
    ranking = message.get(INTENT_RANKING_KEY)
    assert [r["name"] for r in ranking] == ["theme_infrastructure", "theme_training"]
    assert ranking[0]["confidence"] + ranking[1]["confidence"] == pytest.approx(1.0)
    assert message.get(PARAGRAPH_KEY) is True


def test_a_paragraph_below_the_threshold_becomes_a_fallback_with_its_themes_ranked(tmp_path, component):
    unsure = ParagraphThemes({**ParagraphThemes.get_default_config(), "threshold": 0.95}, None, None, component._model)
    message = _parsed(LONG_INFRASTRUCTURE, [("theme_training", 0.6), ("theme_infrastructure", 0.4)])
    unsure.process([message])
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 0.95}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["theme_infrastructure", "theme_training"]


def test_a_paragraph_diet_took_for_an_mqa_question_without_a_question_is_read_for_themes(component):
    message = _parsed(
        LONG_INFRASTRUCTURE, [("ask_mqa", 0.97), ("theme_infrastructure", 0.02), ("theme_training", 0.01)]
    )
    component.process([message])
    intent = message.get(INTENT)
    assert intent["name"] == "theme_infrastructure" and 0.5 <= intent["confidence"] < 0.97


def test_short_messages_questions_to_mqa_and_other_intents_are_left_as_diet_read_them(component):
    short = _parsed("our studio is too small", [("theme_training", 0.9)])
    question = _parsed(LONG_INFRASTRUCTURE + " What does MQA say about that?", [("ask_mqa", 0.9)])
    thanks = _parsed(LONG_INFRASTRUCTURE, [("thanks", 0.9), ("theme_infrastructure", 0.1)])
    component.process([short, question, thanks])
    assert [m.get(INTENT)["name"] for m in (short, question, thanks)] == ["theme_training", "ask_mqa", "thanks"]
    assert all(m.get(PARAGRAPH_KEY) is None for m in (short, question, thanks))


def test_a_paragraph_diet_could_not_place_is_read_for_themes_and_one_it_is_sure_of_is_not(component):
    # What the FallbackClassifier leaves when DIET's best is below its threshold.
    unsure = _parsed(LONG_INFRASTRUCTURE, [("nlu_fallback", 0.75), ("goodbye", 0.36), ("theme_quality", 0.27)])
    sure = _parsed(LONG_INFRASTRUCTURE, [("goodbye", 0.95), ("theme_infrastructure", 0.03)])
    component.process([unsure, sure])
    assert unsure.get(INTENT)["name"] == "theme_infrastructure" and unsure.get(PARAGRAPH_KEY) is True
    assert sure.get(INTENT)["name"] == "goodbye" and sure.get(PARAGRAPH_KEY) is None
