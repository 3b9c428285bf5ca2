"""Measure Sedia's NLU per language: `make nlu-eval` (`python -m bot.nlp.evaluate`).

Three measurements of the shipped pipeline (config.yml), each split by the language of the
message (English, Bahasa Melayu, code-mixed), which comes from the folder an example is
in (`data/nlu/<language>/`, `tests/nlu_holdout/<language>.yml`, `tests/nlu_paragraphs/`):

- **paragraphs**: a model trained on all of `data/nlu` reads the long, multi-sentence
  messages of `tests/nlu_paragraphs/` (bot/nlp/paragraph_set.py has their figures);
- **held-out**: the same model classifies the short messages of `tests/nlu_holdout/`;
  neither set is ever trained on;
- **cross-validation**: stratified 5-fold cross-validation over `data/nlu`;
- **MQA topics**: the topic reader (bot/guidance/mqa_topics.py) on the natural MQA
  questions of `tests/nlu_mqa_topics/`, and how often the trained NLU takes them as MQA
  questions (bot/nlp/mqa_topic_set.py).

It prints Markdown tables, writes them with the raw predictions to the output folder,
and exits 1 when a target is missed in any language.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME

from bot.config.settings import REPO_ROOT
from bot.core.instrument import load_instrument
from bot.guidance.mqa import detect_topic, names_mqa
from bot.guidance.mqa_topics import mqa_question_topic
from bot.nlp.mqa_topic_set import MQA_TOPIC_DIR, MQA_TOPIC_GROUPS, render_topics, score_topics, topic_questions
from bot.nlp.paragraph_set import (
    PARAGRAPH_DIR,
    PARAGRAPH_GROUPS,
    Paragraph,
    ParagraphPrediction,
    group_files,
    paragraphs,
    render_paragraphs,
    score_paragraphs,
)
from bot.nlp.report_tables import section_head

NLU_DIR = REPO_ROOT / "data" / "nlu"
HOLDOUT_DIR = REPO_ROOT / "tests" / "nlu_holdout"
LANGUAGE_GROUPS = ("en", "ms", "mixed")
GROUP_NAMES = {"en": "English", "ms": "Bahasa Melayu", "mixed": "Code-mixed"}
THEME_INTENTS = frozenset(theme.intent_name for theme in load_instrument().themes)
THEME_TARGET = 0.90


@dataclass(frozen=True)
class Example:
    """One labelled message and the language group it belongs to."""

    text: str
    intent: str
    group: str


@dataclass(frozen=True)
class Prediction:
    """What the pipeline made of one example."""

    text: str
    intent: str
    group: str
    predicted: str
    confidence: float
    fell_back: bool


def read_examples(path: Path, group: str) -> List[Example]:
    """The intent examples of one NLU file (or every file under a folder)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(m.get("text"), m.get("intent"), group)
        for m in data.intent_examples
        if m.get("text") and m.get("intent")
    ]


def training_examples(nlu_dir: Path = NLU_DIR) -> List[Example]:
    """Every training example, labelled with its language group."""
    examples: List[Example] = []
    for group in LANGUAGE_GROUPS:
        folder = nlu_dir / group
        if folder.is_dir():
            examples += read_examples(folder, group)
    return examples


def holdout_examples(holdout_dir: Path = HOLDOUT_DIR) -> List[Example]:
    """Every held-out example, labelled with its language group."""
    return [e for path, group in group_files(holdout_dir, LANGUAGE_GROUPS) for e in read_examples(path, group)]


# ----- training and prediction ----------------------------------------------------------
def _write_training_data(examples: Sequence[Example], nlu_dir: Path, out: Path) -> None:
    """Write `examples` plus the lookup tables and regexes of `nlu_dir` as one YAML file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    full = load_data(str(nlu_dir))
    messages = [Message(data={"text": e.text, "intent": e.intent}) for e in examples]
    data = TrainingData(
        training_examples=messages,
        entity_synonyms=full.entity_synonyms,
        regex_features=full.regex_features,
        lookup_tables=full.lookup_tables,
    )
    out.write_text(RasaYAMLWriter().dumps(data), encoding="utf-8")


def _train(examples: Sequence[Example], config: Path, nlu_dir: Path, work: Path, name: str) -> str:
    from rasa.model_training import train_nlu

    data_file = work / f"{name}.yml"
    _write_training_data(examples, nlu_dir, data_file)
    model = train_nlu(str(config), str(data_file), str(work), fixed_model_name=name)
    if not model:
        raise RuntimeError(f"training {name} failed")
    return str(model)


def _parse_all(model_path: str, texts: Sequence[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def _ranking(result: dict) -> Tuple[Tuple[str, float], ...]:
    # The classifier's own ranking; a fallback is counted separately, because in the
    # product it leads to a reply that says what Sedia can do, not to an error.
    return tuple(
        (r["name"], float(r["confidence"]))
        for r in result.get("intent_ranking", [])
        if r["name"] != DEFAULT_NLU_FALLBACK_INTENT_NAME
    )


def _predict_paragraphs(model_path: str, items: Sequence[Paragraph]) -> List[ParagraphPrediction]:
    parsed = _parse_all(model_path, [p.text for p in items])
    return [ParagraphPrediction(p, _ranking(result)) for p, result in zip(items, parsed)]


def _predict(model_path: str, examples: Sequence[Example]) -> List[Prediction]:
    parsed = _parse_all(model_path, [e.text for e in examples])
    predictions = []
    for example, result in zip(examples, parsed):
        best = (_ranking(result) or ((DEFAULT_NLU_FALLBACK_INTENT_NAME, 0.0),))[0]
        predictions.append(
            Prediction(
                text=example.text,
                intent=example.intent,
                group=example.group,
                predicted=best[0],
                confidence=best[1],
                fell_back=(result.get("intent") or {}).get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME,
            )
        )
    return predictions


def folds(examples: Sequence[Example], n_folds: int, seed: int = 7) -> List[Tuple[List[int], List[int]]]:
    """Stratified folds, by intent and language together: (train indices, test indices)."""
    from sklearn.model_selection import StratifiedKFold

    labels = [f"{e.intent}|{e.group}" for e in examples]
    counts: Dict[str, int] = defaultdict(int)
    for label in labels:
        counts[label] += 1
    # Strata too small to split across every fold fall back to the intent alone.
    strata = [label if counts[label] >= n_folds else label.split("|")[0] for label in labels]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(list(train), list(test)) for train, test in splitter.split(list(range(len(examples))), strata)]


# ----- scores -------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupScores:
    """F1 per intent and the macro averages for one language group."""

    group: str
    examples: int
    f1: Dict[str, float]
    support: Dict[str, int]
    macro_all: float
    macro_themes: float
    accuracy: float
    fallback_rate: float


def score(predictions: Sequence[Prediction], group: str) -> Optional[GroupScores]:
    """Scores for the predictions of one language group (None if it has none)."""
    from sklearn.metrics import f1_score

    chosen = [p for p in predictions if p.group == group]
    if not chosen:
        return None
    truth = [p.intent for p in chosen]
    guess = [p.predicted for p in chosen]
    intents = sorted(set(truth))
    values = f1_score(truth, guess, labels=intents, average=None, zero_division=0)
    f1 = {intent: float(v) for intent, v in zip(intents, values)}
    support = {intent: truth.count(intent) for intent in intents}
    themes = [f1[i] for i in intents if i in THEME_INTENTS]
    return GroupScores(
        group=group,
        examples=len(chosen),
        f1=f1,
        support=support,
        macro_all=sum(f1.values()) / len(f1),
        macro_themes=sum(themes) / len(themes) if themes else float("nan"),
        accuracy=sum(t == g for t, g in zip(truth, guess)) / len(chosen),
        fallback_rate=sum(p.fell_back for p in chosen) / len(chosen),
    )


def meets_target(scores: Iterable[GroupScores]) -> bool:
    """True when the theme intents' macro F1 reaches the target in every language group."""
    return all(s.macro_themes >= THEME_TARGET for s in scores)


def render(title: str, scores: Sequence[GroupScores]) -> str:
    """A Markdown section: macro F1 per language, then F1 per theme intent per language."""
    lines = section_head(
        title,
        [
            "language",
            "examples",
            "theme intents, macro F1",
            "all intents, macro F1",
            "accuracy",
            "fallback rate",
            "target",
        ],
    )
    for s in scores:
        verdict = "met" if s.macro_themes >= THEME_TARGET else f"missed (< {THEME_TARGET:.2f})"
        lines.append(
            f"| {GROUP_NAMES[s.group]} | {s.examples} | {s.macro_themes:.3f} | {s.macro_all:.3f} "
            f"| {s.accuracy:.3f} | {s.fallback_rate:.3f} | {verdict} |"
        )
    themes = sorted({i for s in scores for i in s.f1 if i in THEME_INTENTS})
    lines += ["", "| theme intent | " + " | ".join(GROUP_NAMES[s.group] for s in scores) + " |"]
    lines.append("|---|" + "---|" * len(scores))
    for intent in themes:
        cells = [f"{s.f1[intent]:.3f} ({s.support[intent]})" if intent in s.f1 else "n/a" for s in scores]
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ----- command line -------------------------------------------------------------------
def taken_as_mqa_question(result: dict) -> bool:
    """True when Sedia's actions answer this parsed message with MQA guidance: read as
    `ask_mqa`, or a theme or fallback reading of a question about MQA (actions/guidance.py,
    actions/fallback.py)."""
    intent = (result.get("intent") or {}).get("name") or ""
    text = result.get("text") or ""
    if intent == "ask_mqa":
        return True
    if intent in THEME_INTENTS:
        return mqa_question_topic(text) is not None
    return intent == DEFAULT_NLU_FALLBACK_INTENT_NAME and bool(
        detect_topic(text) or names_mqa(text) or mqa_question_topic(text) is not None
    )


def run(
    config: Path, nlu_dir: Path, holdout_dir: Path, paragraph_dir: Path, out: Path, n_folds: int, topic_dir: Path
) -> int:
    """Run the measurements, print and write the report; 0 when every target is met."""
    out.mkdir(parents=True, exist_ok=True)
    train = training_examples(nlu_dir)
    held_out = holdout_examples(holdout_dir)
    long_messages = paragraphs(paragraph_dir)
    questions = topic_questions(topic_dir)
    with tempfile.TemporaryDirectory(prefix="sedia-nlu-eval-") as tmp:
        work = Path(tmp)
        full_model = _train(train, config, nlu_dir, work, "full")
        holdout_predictions = _predict(full_model, held_out)
        paragraph_predictions = _predict_paragraphs(full_model, long_messages)
        routed = {
            q.text: taken_as_mqa_question(r)
            for q, r in zip(questions, _parse_all(full_model, [q.text for q in questions]))
        }
        cv_predictions: List[Prediction] = []
        for number, (train_idx, test_idx) in enumerate(folds(train, n_folds) if n_folds > 1 else [], start=1):
            print(f"fold {number}/{n_folds}: training on {len(train_idx)}, testing {len(test_idx)}", flush=True)
            model = _train([train[i] for i in train_idx], config, nlu_dir, work, f"fold{number}")
            cv_predictions += _predict(model, [train[i] for i in test_idx])
    holdout_scores = [s for g in LANGUAGE_GROUPS if (s := score(holdout_predictions, g))]
    cv_scores = [s for g in LANGUAGE_GROUPS if (s := score(cv_predictions, g))]
    paragraph_scores = [s for g in PARAGRAPH_GROUPS if (s := score_paragraphs(paragraph_predictions, g))]
    topic_scores = [s for g in MQA_TOPIC_GROUPS if (s := score_topics(questions, g, routed=routed))]
    sections = [
        render_paragraphs(
            f"Paragraphs (tests/nlu_paragraphs, {len(long_messages)} messages)", paragraph_scores, GROUP_NAMES
        ),
        render_topics(
            f"MQA questions asked naturally (tests/nlu_mqa_topics, {len(questions)} questions)",
            topic_scores,
            GROUP_NAMES,
        ),
        render(f"Held-out split (tests/nlu_holdout, {len(held_out)} messages)", holdout_scores),
    ]
    if cv_scores:
        sections.append(render(f"{n_folds}-fold cross-validation (data/nlu, {len(train)} messages)", cv_scores))
    report = "\n\n".join(sections)
    print("\n" + report + "\n")
    (out / "report.md").write_text(report + "\n", encoding="utf-8")
    (out / "predictions.json").write_text(
        json.dumps(
            {
                "paragraphs": [
                    {**asdict(p.paragraph), "predicted": p.predicted, "ranking": p.ranking[:3]}
                    for p in paragraph_predictions
                ],
                "holdout": [asdict(p) for p in holdout_predictions],
                "cross_validation": [asdict(p) for p in cv_predictions],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    short_met = meets_target(holdout_scores) and meets_target(cv_scores)
    long_met = all(s.met for s in paragraph_scores)
    topics_met = bool(topic_scores) and all(s.met for s in topic_scores)
    print(f"Short messages (theme intents, macro F1 >= {THEME_TARGET:.2f} in every language): {_verdict(short_met)}")
    print(f"Paragraphs (macro F1, top-2 recall, confidence gap in every language): {_verdict(long_met)}")
    print(f"MQA topics (topic accuracy in every language): {_verdict(topics_met)}")
    return 0 if short_met and long_met and topics_met else 1


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main(argv: Optional[List[str]] = None) -> int:
    """Parse the command line and run the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "config.yml")
    parser.add_argument("--nlu", type=Path, default=NLU_DIR)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT_DIR)
    parser.add_argument("--paragraphs", type=Path, default=PARAGRAPH_DIR)
    parser.add_argument("--mqa-topics", type=Path, default=MQA_TOPIC_DIR)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "nlu-eval")
    parser.add_argument("--folds", type=int, default=5, help="0 skips the cross-validation")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Each fold trains on different data, so Rasa's training cache only costs disk.
    os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
    logging.getLogger("rasa").setLevel(logging.WARNING)
    import structlog

    # Rasa logs every parsed message at debug level; the report is what matters here.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return run(args.config, args.nlu, args.holdout, args.paragraphs, args.out, args.folds, args.mqa_topics)


if __name__ == "__main__":
    sys.exit(main())
