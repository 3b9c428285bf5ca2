"""Which MQA topic a question asks about, read by a classifier rather than by keywords (issue 18).

Keywords miss how coordinators really ask: "what should be in place before we offer a
micro-credential, MQA wise?" names no keyword of the checklist topic. A small text
classifier (bot/nlp/text_classifier.py) learns each topic from the questions in its
`asked` list in bot/guidance/mqa.yml, and from its keywords, in both languages; a keyword
in the message then weighs for its topic. It trains in a second or two, in the background
as the action server loads its actions (`warm_up`).

When the likeliest topic is below `THRESHOLD`, or within `AMBIGUITY` of the next, the reading
is unsure and Sedia offers the two likeliest topics as buttons instead of guessing or
saying "I don't know". `make nlu-eval` measures this on the natural phrasings kept aside in
tests/nlu_mqa_topics/ (bot/nlp/mqa_topic_set.py), thresholds included.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Tuple

from bot.guidance.mqa import (
    OVERVIEW,
    UNKNOWN,
    Knowledge,
    detect_topic,
    is_general_question,
    is_question,
    load_knowledge,
    names_mqa,
)
from bot.nlp.text_classifier import TextClassifier

# Tuned on tests/nlu_mqa_topics/ (the table `make nlu-eval` writes): at these values Sedia
# answers about nine questions in ten, and offers two topics for the rest.
THRESHOLD = 0.35
AMBIGUITY = 0.10
REGULARISATION = 16.0
# A keyword of the topic in the message adds this much to the topic's score before the
# scores are renormalised: evidence, not a verdict ("how long does MQA take to approve?"
# has the credit topic's "how long" and is about accreditation).
KEYWORD_WEIGHT = 0.2
# A question naming neither MQA nor a keyword is still taken as an MQA question when the
# reader is this sure of its topic. At 0.8 none of the readiness questions in data/nlu and
# tests/nlu_holdout is taken; at 0.7, "how do we improve content quality" would be.
CLEAR_QUESTION = 0.8


@dataclass(frozen=True)
class TopicReading:
    """The topics a question may ask about, likeliest first, and whether one is clear."""

    ranking: Tuple[Tuple[str, float], ...]
    threshold: float = THRESHOLD
    ambiguity: float = AMBIGUITY

    @property
    def topic(self) -> Optional[str]:
        """The topic to answer, or None when the reading is unsure."""
        (best, score), (_, second) = self.ranking[0], self.ranking[1]
        return best if score >= self.threshold and score - second >= self.ambiguity else None

    @property
    def likeliest_two(self) -> Tuple[str, str]:
        """The two topics to offer when the reading is unsure; "unknown" is no topic to
        offer (the offer itself says what Sedia does not know)."""
        first, second = [topic for topic, _ in self.ranking if topic != UNKNOWN][:2]
        return first, second


def training_questions(knowledge: Knowledge) -> List[Tuple[str, str]]:
    """(question, topic) pairs the reader learns from: each topic's `asked` questions and
    keywords, in every language. The "unknown" topic's questions are about MQA but outside
    the knowledge base (fees, contacts), so that such a question gets the honest answer."""
    pairs: List[Tuple[str, str]] = []
    for topic in knowledge.topics.values():
        for language, questions in topic.asked.items():
            pairs += [(q, topic.id) for q in questions]
            pairs += [(k, topic.id) for k in topic.keywords.get(language, ())]
    return pairs


def train_reader(pairs: List[Tuple[str, str]], regularisation: float = REGULARISATION) -> TextClassifier:
    """A topic classifier trained on (question, topic) pairs."""
    return TextClassifier(regularisation).fit([q for q, _ in pairs], [t for _, t in pairs])


_reader_lock = threading.Lock()


@lru_cache(maxsize=1)
def _shipped_reader() -> TextClassifier:
    return train_reader(training_questions(load_knowledge()))


def topic_reader() -> TextClassifier:
    """The classifier of the shipped knowledge base, trained once per process."""
    with _reader_lock:  # a question arriving while warm_up() trains waits for it
        return _shipped_reader()


def warm_up() -> None:
    """Train the reader in the background, so that the first MQA question after the action
    server starts does not wait about two seconds for it."""
    threading.Thread(target=topic_reader, name="mqa-topic-reader", daemon=True).start()


def read_topic(text: str) -> TopicReading:
    """Which topic `text` asks about: the shipped classifier's scores, with the topic whose
    keyword the message names weighted up by KEYWORD_WEIGHT."""
    scores = dict(topic_reader().ranking(text))
    named = detect_topic(text)
    if named in scores:
        scores[named] += KEYWORD_WEIGHT
    total = sum(scores.values())
    return TopicReading(
        tuple(sorted(((t, s / total) for t, s in scores.items()), key=lambda item: item[1], reverse=True))
    )


def choose_topic(text: Optional[str]) -> TopicReading:
    """What to answer: a general question ("what does MQA say?", the "Ask about MQA" button)
    gets the overview; any other question, the topic the reader finds, if it is sure."""
    if is_general_question(text):
        return TopicReading(((OVERVIEW, 1.0), (UNKNOWN, 0.0)))
    return read_topic(text or "")


def mqa_question_topic(text: Optional[str]) -> Optional[TopicReading]:
    """The reading of a message that is a question about MQA, else None.

    The NLU may be unsure of such a question ("perlukah hasil pembelajaran") or read it as a
    readiness problem ("what quality assurance do we need"). It asks about MQA when it is a
    question and names MQA or a topic's keyword, or when the topic reader is very sure of
    its topic (CLEAR_QUESTION): "can a micro-credential be at postgraduate level?".
    """
    if not is_question(text):
        return None
    reading = choose_topic(text)
    if names_mqa(text) or detect_topic(text) or reading.ranking[0][1] >= CLEAR_QUESTION:
        return reading
    return None
