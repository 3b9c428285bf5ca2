"""The natural MQA questions kept aside (tests/nlu_mqa_topics/) and how well their topic is found.

Each file lists, per topic of bot/guidance/mqa.yml, questions written the way coordinators
ask them. `make nlu-eval` reports, per language:

- topic accuracy: how often the topic reader's likeliest topic is the right one (target:
  at least 90%, issue 18);
- what Sedia then does at the shipped thresholds: how often it answers, how often that
  answer is the right topic, and, when it asks back, how often the right topic is one of
  the two buttons;
- with the trained NLU, how often the question is taken as an MQA question at all (the
  `ask_mqa` intent, or a question routed to the MQA answer by its words).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import yaml

from bot.config.settings import REPO_ROOT
from bot.guidance.mqa_topics import TopicReading, read_topic
from bot.nlp.report_tables import section_head

MQA_TOPIC_DIR = REPO_ROOT / "tests" / "nlu_mqa_topics"
MQA_TOPIC_GROUPS = ("en", "ms")
TOPIC_ACCURACY_TARGET = 0.90
MIN_QUESTIONS_PER_TOPIC = 10


@dataclass(frozen=True)
class TopicQuestion:
    """One natural question and the topic it asks about."""

    text: str
    topic: str
    group: str


def read_questions(path: Path, group: str) -> List[TopicQuestion]:
    """The questions of one file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        TopicQuestion(" ".join(str(q).split()), str(topic), group)
        for topic, questions in (raw.get("questions") or {}).items()
        for q in questions or []
    ]


def topic_questions(directory: Path = MQA_TOPIC_DIR) -> List[TopicQuestion]:
    """Every question of the set, labelled with its language."""
    return [
        q
        for group in MQA_TOPIC_GROUPS
        if (directory / f"{group}.yml").exists()
        for q in read_questions(directory / f"{group}.yml", group)
    ]


@dataclass(frozen=True)
class TopicScores:
    """The figures for one language."""

    group: str
    questions: int
    accuracy: float
    answered: float
    answered_right: float
    asked_back: float
    offered_right: float
    routed_to_mqa: Optional[float]

    @property
    def met(self) -> bool:
        """True when the topic accuracy target is met."""
        return self.accuracy >= TOPIC_ACCURACY_TARGET


def score_topics(
    questions: Sequence[TopicQuestion],
    group: str,
    read: Callable[[str], TopicReading] = read_topic,
    routed: Optional[Dict[str, bool]] = None,
) -> Optional[TopicScores]:
    """The figures for one language (None if it has no questions). `routed` says, per
    question, whether the NLU took it as an MQA question."""
    chosen = [q for q in questions if q.group == group]
    if not chosen:
        return None
    readings = [(q, read(q.text)) for q in chosen]
    sure = [(q, r) for q, r in readings if r.topic is not None]
    unsure = [(q, r) for q, r in readings if r.topic is None]
    return TopicScores(
        group=group,
        questions=len(chosen),
        accuracy=sum(r.ranking[0][0] == q.topic for q, r in readings) / len(chosen),
        answered=len(sure) / len(chosen),
        answered_right=sum(r.topic == q.topic for q, r in sure) / len(sure) if sure else 0.0,
        asked_back=len(unsure) / len(chosen),
        offered_right=sum(q.topic in r.likeliest_two for q, r in unsure) / len(unsure) if unsure else 1.0,
        routed_to_mqa=sum(routed[q.text] for q in chosen) / len(chosen) if routed is not None else None,
    )


def render_topics(title: str, scores: Sequence[TopicScores], names: Dict[str, str]) -> str:
    """A Markdown section with the figures per language and the target."""
    lines = section_head(
        title,
        [
            "language",
            "questions",
            "topic accuracy",
            "answered",
            "answered right",
            "asked back",
            "right topic among the two offered",
            "taken as an MQA question by the NLU",
            "target",
        ],
    )
    for s in scores:
        routed = f"{s.routed_to_mqa:.0%}" if s.routed_to_mqa is not None else "not measured"
        lines.append(
            f"| {names[s.group]} | {s.questions} | {s.accuracy:.3f} | {s.answered:.0%} | {s.answered_right:.3f} | "
            f"{s.asked_back:.0%} | {s.offered_right:.2f} | {routed} | {'met' if s.met else 'missed'} |"
        )
    lines += ["", f"Target: topic accuracy >= {TOPIC_ACCURACY_TARGET:.2f} in each language."]
    return "\n".join(lines)
