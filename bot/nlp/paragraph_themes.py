"""Which readiness themes a long message talks about, read sentence by sentence.

DIET reads a message as one bag of features. Trained mostly on short messages, it is sure
of itself on a paragraph whose one sentence about funding outweighs three about what
micro-credentials are for, and the whole paragraph gets one confident label. A person
writing several sentences usually says one main thing and touches another, so here a small
linear model, trained on the theme examples of data/nlu, scores each sentence on its own
and the paragraph as a whole; a paragraph's theme scores are the mean of the two readings
(the sentences' scores averaged, and the whole). The scores are also a more honest
confidence than DIET's: a paragraph split between two themes scores about half on each.

`make bench-paragraphs` measures the options on tests/nlu_paragraphs/ and writes them to
docs/nlu-paragraphs.md: DIET alone, each reading alone, mixes with DIET's scores, and the
first sentence weighted more.

The classifier is bot/nlp/text_classifier.py; bot/nlp/paragraph_component.py runs this
reader inside Rasa's pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from bot.nlp.malay import with_lemmas
from bot.nlp.text_classifier import TextClassifier

# Shorter messages are DIET's: they are what it was trained and tested on.
MIN_PARAGRAPH_WORDS = 20
# A fragment shorter than this ("Honestly.", "For me...") joins the next sentence.
MIN_SENTENCE_WORDS = 4

_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\.{2,}\s*|…\s*|\n+")


def split_sentences(text: str) -> List[str]:
    """The sentences of a message. Ellipses, semicolons and line breaks end a sentence too,
    as they do in chat; short fragments are joined to the sentence after them."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text or "") if p and p.strip()]
    sentences: List[str] = []
    carried = ""
    for piece in pieces:
        joined = f"{carried} {piece}".strip()
        if len(joined.split()) < MIN_SENTENCE_WORDS:
            carried = joined
            continue
        sentences.append(joined)
        carried = ""
    if carried:
        if sentences:
            sentences[-1] = f"{sentences[-1]} {carried}"
        else:
            sentences.append(carried)
    return sentences


def is_paragraph(text: Optional[str]) -> bool:
    """True for a long message of free text (a button's payload never is)."""
    said = (text or "").strip()
    return not said.startswith("/") and len(said.split()) >= MIN_PARAGRAPH_WORDS


def has_question(text: Optional[str]) -> bool:
    """True when the message asks something: a question mark anywhere in it."""
    return "?" in (text or "")


def with_sentences(texts: Sequence[str], labels: Sequence[str]) -> Tuple[List[str], List[str]]:
    """The examples, followed by the sentences of each long one with that example's label."""
    more_texts, more_labels = list(texts), list(labels)
    for text, label in zip(texts, labels):
        sentences = split_sentences(text) if is_paragraph(text) else []
        if len(sentences) > 1:
            more_texts += sentences
            more_labels += [label] * len(sentences)
    return more_texts, more_labels


@dataclass(frozen=True)
class ThemeScores:
    """A paragraph's themes, likeliest first, with scores that sum to one."""

    ranking: Tuple[Tuple[str, float], ...]

    @property
    def top(self) -> Tuple[str, float]:
        """The likeliest theme and its score."""
        return self.ranking[0]

    @property
    def runner_up(self) -> Tuple[str, float]:
        """The second likeliest theme and its score."""
        return self.ranking[1]


class ThemeModel(TextClassifier):
    """The sentence classifier, trained on the theme intents' examples, read per paragraph."""

    def __init__(self, regularisation: float = 16.0, learn_sentences: bool = True) -> None:
        super().__init__(regularisation)
        self._learn_sentences = learn_sentences

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "ThemeModel":
        """Learn from the examples read whole and, for the long ones, also sentence by
        sentence, each sentence labelled with its example's theme: a paragraph is read
        both ways, so the model learns from both."""
        if self._learn_sentences:
            texts, labels = with_sentences(texts, labels)
        super().fit(texts, labels)
        return self

    def prepare(self, text: str) -> str:
        """The text with Sedia's Malay lemmas, as DIET reads it: informal spellings
        ("takde", "utk") and the Malay words of code-mixed messages ("pensyarah", "bajet")
        become one word with their standard or English form."""
        return with_lemmas(text)

    @property
    def themes(self) -> Tuple[str, ...]:
        """The theme intents it was trained on."""
        return self.labels

    def sentence_scores(self, sentences: Sequence[str]) -> List[Dict[str, float]]:
        """Each sentence's probability per theme."""
        return self.scores(sentences)

    def paragraph_scores(self, text: str) -> ThemeScores:
        """The paragraph's themes: the mean of its sentences' probabilities, averaged with
        the probabilities of the paragraph read whole."""
        sentences = split_sentences(text) or [text]
        *per_sentence, whole = self.sentence_scores([*sentences, text])
        totals = {
            theme: (sum(s[theme] for s in per_sentence) / len(per_sentence) + whole[theme]) / 2 for theme in self.themes
        }
        return ThemeScores(tuple(sorted(totals.items(), key=lambda item: item[1], reverse=True)))
