"""Answers to coordinators' MQA questions, from the knowledge base in mqa.yml and mqa_facts.yml.

A question is matched to a topic by the topic's keywords in either language (the same
keywords feed the `mqa_topic` entity of Sedia's spaCy pipeline). Each answer states only
facts it cites, and ends with their sources. A question that matches no topic gets the
honest "I don't know" answer with MQA's guideline index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot.guidance import GUIDANCE_DIR
from bot.input_checks import clean_text
from bot.instrument import LANGUAGES, Wording, parse_wording
from bot.messages import message

OVERVIEW = "overview"
UNKNOWN = "unknown"
MAX_ANSWER_WORDS = 120
# A message that asks about MQA in general ("what does MQA say?") rather than about
# something the knowledge base lacks: only these words besides the question words.
_GENERAL_WORDS = {
    "mqa", "mqa's", "guideline", "guidelines", "ggp", "rule", "rules", "micro-credential",
    "micro-credentials", "microcredential", "microcredentials", "micro", "credential",
    "credentials", "mikro-kredensial", "mikro", "kredensial", "garis", "panduan", "peraturan",
    "what", "does", "do", "say", "says", "about", "the", "on", "tell", "me", "of", "for",
    "apa", "kata", "tentang", "mengenai", "beritahu", "saya", "ask", "tanya", "is", "are",
    "there", "any", "ada", "its", "their", "a", "an", "and", "dan", "pasal", "cakap",
}


@dataclass(frozen=True)
class Fact:
    """One verified fact and where it comes from."""

    id: str
    text: str
    document: str
    section: str
    year: int
    url: str

    @property
    def citation(self) -> str:
        """Document, section and year, as shown after an answer."""
        return f"{self.document}, {self.section} ({self.year})"


@dataclass(frozen=True)
class Topic:
    """One topic of the knowledge base: its answer, the facts it cites and its keywords."""

    id: str
    text: Wording
    facts: Tuple[Fact, ...]
    keywords: Dict[str, Tuple[str, ...]]
    says_unknown: bool


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge base."""

    topics: Dict[str, Topic]
    facts: Dict[str, Fact]
    index_url: str
    unknown: Tuple[str, ...]


@lru_cache(maxsize=None)
def load_knowledge(directory: str = str(GUIDANCE_DIR)) -> Knowledge:
    """Load and check the knowledge base; a topic citing an unknown fact is an error."""
    folder = Path(directory)
    with (folder / "mqa_facts.yml").open(encoding="utf-8") as handle:
        raw_facts = yaml.safe_load(handle)
    with (folder / "mqa.yml").open(encoding="utf-8") as handle:
        raw_topics = yaml.safe_load(handle)["topics"]
    facts = {
        str(fid): Fact(str(fid), " ".join(f["text"].split()), f["document"], f["section"], int(f["year"]), f.get("url") or "")
        for fid, f in raw_facts["facts"].items()
    }
    topics = {}
    for tid, raw in raw_topics.items():
        missing = [fid for fid in raw.get("facts", []) if str(fid) not in facts]
        if missing:
            raise ValueError(f"MQA topic {tid} cites unknown facts {missing}")
        topics[tid] = Topic(
            id=tid,
            text=parse_wording(raw["text"], f"MQA topic {tid}"),
            facts=tuple(facts[str(fid)] for fid in raw.get("facts", [])),
            keywords={lang: tuple(str(k).lower() for k in (raw.get("keywords") or {}).get(lang) or ()) for lang in LANGUAGES},
            says_unknown=bool(raw.get("unknown")),
        )
    for required in (OVERVIEW, UNKNOWN):
        if required not in topics:
            raise ValueError(f"MQA knowledge base needs a {required!r} topic")
    return Knowledge(topics, facts, raw_facts["guideline_index"]["url"], tuple(raw_facts.get("unknown") or ()))


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s'./-]", " ", clean_text(text).lower()).split())


@lru_cache(maxsize=None)
def keyword_index() -> Tuple[Tuple[str, str], ...]:
    """(keyword, topic id) pairs of the knowledge base, longest keyword first."""
    topics = load_knowledge().topics.values()
    pairs = [(kw, t.id) for t in topics for kws in t.keywords.values() for kw in kws]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def detect_topic(text: Optional[str]) -> Optional[str]:
    """The topic a message asks about, by its longest keyword; None if it names none."""
    said = _normalise(text or "")
    for keyword, topic in keyword_index():
        if re.search(rf"(?<![\w-]){re.escape(keyword)}(?![\w-])", said):
            return topic
    return None


def is_general_question(text: Optional[str]) -> bool:
    """True for a question about MQA in general, such as "what does MQA say?"."""
    said = _normalise(text or "")
    if said.startswith("/"):
        return True  # the "Ask about MQA" button
    words = [w.strip(".'?") for w in said.split()]
    return bool(words) and all(w in _GENERAL_WORDS for w in words if w)


_QUESTION_WORDS = {
    "what", "what's", "how", "is", "are", "can", "could", "do", "does", "why", "which", "who",
    "when", "where", "should", "must", "apa", "apakah", "adakah", "bagaimana", "bolehkah",
    "berapa", "kenapa", "mengapa", "siapa", "bila", "perlukah", "mestikah", "ada",
}


def is_question(text: Optional[str]) -> bool:
    """True when a message reads as a question: a question mark, or a question word first."""
    said = _normalise(text or "")
    words = said.split()
    return said.endswith("?") or bool(words and words[0].strip("?") in _QUESTION_WORDS)


def mqa_question_topic(text: Optional[str]) -> Optional[str]:
    """The topic of a message that is a question naming an MQA topic, else None.

    The NLU may be unsure of such a question ("perlukah hasil pembelajaran") or read it as
    a readiness problem ("what quality assurance do we need"); its topic words settle it.
    """
    topic = detect_topic(text)
    return topic if topic and is_question(text) else None


def choose_topic(text: Optional[str]) -> str:
    """The topic to answer: named in the message, else a general overview, else "unknown"."""
    topic = detect_topic(text)
    if topic:
        return topic
    return OVERVIEW if is_general_question(text) else UNKNOWN


def answer(topic_id: str, language: str) -> str:
    """The answer in `language`, then "Source: ..." naming every fact it cites."""
    knowledge = load_knowledge()
    topic = knowledge.topics[topic_id]
    body = topic.text.get(language)
    citations = list(dict.fromkeys(f.citation for f in topic.facts))
    if not citations:
        citations = [f"MQA, {knowledge.index_url}"]
    return f"{body}\n{message('summary.source', language)}: {'; '.join(citations)}."
