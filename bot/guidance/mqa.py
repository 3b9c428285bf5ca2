"""Answers to coordinators' MQA questions, from the knowledge base in mqa.yml and mqa_facts.yml.

Which topic a question asks about is read by bot/guidance/mqa_topics.py. Each topic's
keywords here (in either language) also feed the `mqa_topic` entity of Sedia's spaCy
pipeline and tell a question about MQA from a readiness problem. Each answer states only
facts it cites, and ends with their sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot.core.input_checks import clean_text
from bot.core.instrument import LANGUAGES, Statement, Wording, load_instrument, parse_statement
from bot.core.messages import message, name_mqa_in_full, source_line
from bot.core.provenance import MQA, STUDY
from bot.guidance import GUIDANCE_DIR

VERIFIED = "verified"
ATTRIBUTED_STATUS = "attributed"
FACT_STATUSES = (VERIFIED, ATTRIBUTED_STATUS)
OVERVIEW = "overview"
UNKNOWN = "unknown"
MAX_ANSWER_WORDS = 120
# A message that asks about MQA in general ("what does MQA say?") rather than about
# something the knowledge base lacks: only these words besides the question words.
_GENERAL_WORDS = {
    "mqa",
    "mqa's",
    "guideline",
    "guidelines",
    "ggp",
    "rule",
    "rules",
    "micro-credential",
    "micro-credentials",
    "microcredential",
    "microcredentials",
    "micro",
    "credential",
    "credentials",
    "mikro-kredensial",
    "mikro",
    "kredensial",
    "garis",
    "panduan",
    "peraturan",
    "what",
    "does",
    "do",
    "say",
    "says",
    "about",
    "the",
    "on",
    "tell",
    "me",
    "of",
    "for",
    "apa",
    "kata",
    "tentang",
    "mengenai",
    "beritahu",
    "saya",
    "ask",
    "tanya",
    "is",
    "are",
    "there",
    "any",
    "ada",
    "its",
    "their",
    "a",
    "an",
    "and",
    "dan",
    "pasal",
    "cakap",
}


@dataclass(frozen=True)
class Fact:
    """One fact Sedia may state, its status and exactly where it comes from."""

    id: str
    text: str
    status: str
    by: str
    document: str
    section: str
    year: Optional[int]
    url: str

    @property
    def citation(self) -> str:
        """Document, section, year and link: only those the fact has."""
        parts = [self.document, self.section, str(self.year) if self.year else "", self.url]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Topic:
    """One topic of the knowledge base: its statements, the facts they cite, its keywords,
    its name on a button, and questions that ask about it (`asked`, which the topic reader
    in bot/guidance/mqa_topics.py learns from).

    `requires` and `good_practice` hold the checklist topic's two lists: what MQA requires,
    and good practice from elsewhere that is not an MQA rule.
    """

    id: str
    statements: Tuple[Statement, ...]
    keywords: Dict[str, Tuple[str, ...]]
    says_unknown: bool
    name: Optional[Wording] = None
    asked: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    requires: Tuple[Statement, ...] = ()
    good_practice: Tuple[Statement, ...] = ()
    facts: Tuple[Fact, ...] = ()

    @property
    def all_statements(self) -> Tuple[Statement, ...]:
        """Every statement of the answer, checklist items included."""
        return self.statements + self.requires + self.good_practice

    @property
    def text(self) -> Wording:
        """The answer's body in every language, checklist included."""
        return Wording({lang: _body(self, lang) for lang in LANGUAGES})

    @property
    def cites_study(self) -> bool:
        """True when a statement rests on the study, so the answer cites the paper."""
        return any(s.provenance.kind == STUDY for s in self.all_statements)


def _body(topic: Topic, language: str) -> str:
    lines = [" ".join(s.get(language) for s in topic.statements)]
    for heading, items in (("mqa.requires", topic.requires), ("mqa.good_practice", topic.good_practice)):
        if items:
            lines.append(f"{message(heading, language)}:")
            lines += [f"- {s.get(language)}" for s in items]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Knowledge:
    """The whole knowledge base."""

    topics: Dict[str, Topic]
    facts: Dict[str, Fact]
    index_url: str
    unknown: Tuple[str, ...]


def _fact(fid: str, raw: dict) -> Fact:
    if raw.get("status") not in FACT_STATUSES:
        raise ValueError(f"fact {fid}: status must be one of {list(FACT_STATUSES)}")
    return Fact(
        id=fid,
        text=" ".join(raw["text"].split()),
        status=raw["status"],
        by=str(raw["by"]),
        document=raw["document"],
        section=raw["section"],
        year=int(raw["year"]) if raw.get("year") else None,
        url=raw.get("url") or "",
    )


def _statements(raw: Optional[Iterable[Mapping]], where: str) -> Tuple[Statement, ...]:
    return tuple(parse_statement(s, f"{where} #{n}") for n, s in enumerate(raw or [], start=1))


def _cited_facts(statements: Tuple[Statement, ...], facts: Dict[str, Fact], where: str) -> Tuple[Fact, ...]:
    cited: List[Fact] = []
    for statement in statements:
        source = statement.provenance
        for fid in source.fact_ids:
            fact = facts.get(fid)
            if fact is None:
                raise ValueError(f"{where} cites unknown facts ['{fid}']")
            wanted = VERIFIED if source.kind == MQA else ATTRIBUTED_STATUS
            if fact.status != wanted:
                raise ValueError(f"{where}: fact {fid} is {fact.status}, cited as {source.kind}")
            if fact not in cited:
                cited.append(fact)
    return tuple(cited)


@lru_cache(maxsize=None)
def load_knowledge(directory: str = str(GUIDANCE_DIR)) -> Knowledge:
    """Load and check the knowledge base; a statement citing an unknown fact is an error."""
    folder = Path(directory)
    with (folder / "mqa_facts.yml").open(encoding="utf-8") as handle:
        raw_facts = yaml.safe_load(handle)
    with (folder / "mqa.yml").open(encoding="utf-8") as handle:
        raw_topics = yaml.safe_load(handle)["topics"]
    facts = {str(fid): _fact(str(fid), f) for fid, f in raw_facts["facts"].items()}
    topics = {}
    for tid, raw in raw_topics.items():
        checklist = raw.get("checklist") or {}
        topic = Topic(
            id=tid,
            statements=_statements(raw.get("statements"), f"MQA topic {tid}"),
            keywords={
                lang: tuple(str(k).lower() for k in (raw.get("keywords") or {}).get(lang) or ()) for lang in LANGUAGES
            },
            says_unknown=bool(raw.get("unknown")),
            name=Wording({lang: str(raw["name"][lang]) for lang in LANGUAGES}) if raw.get("name") else None,
            asked={lang: tuple(str(q) for q in (raw.get("asked") or {}).get(lang) or ()) for lang in LANGUAGES},
            requires=_statements(checklist.get("mqa_requires"), f"MQA topic {tid} requirements"),
            good_practice=_statements(checklist.get("good_practice"), f"MQA topic {tid} good practice"),
        )
        if not topic.statements:
            raise ValueError(f"MQA topic {tid} says nothing")
        topics[tid] = replace(topic, facts=_cited_facts(topic.all_statements, facts, f"MQA topic {tid}"))
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
    "what",
    "what's",
    "how",
    "is",
    "are",
    "can",
    "could",
    "do",
    "does",
    "why",
    "which",
    "who",
    "when",
    "where",
    "should",
    "must",
    "apa",
    "apakah",
    "adakah",
    "bagaimana",
    "bolehkah",
    "berapa",
    "kenapa",
    "mengapa",
    "siapa",
    "bila",
    "perlukah",
    "mestikah",
    "ada",
}


def is_question(text: Optional[str]) -> bool:
    """True when a message reads as a question: a question mark, or a question word first."""
    said = _normalise(text or "")
    words = said.split()
    return said.endswith("?") or bool(words and words[0].strip("?") in _QUESTION_WORDS)


def names_mqa(text: Optional[str]) -> bool:
    """True when a message names MQA itself ("MQA", "MQA wise", "Agensi Kelayakan Malaysia")."""
    said = _normalise(text or "")
    return bool(re.search(r"(?<![\w-])mqa(?![\w-])|agensi kelayakan", said))


def sources(topic: Topic) -> List[str]:
    """The source line's entries: each cited fact's citation, and the paper if it is cited."""
    cited = list(dict.fromkeys(f.citation for f in topic.facts))
    if topic.cites_study:
        cited.append(load_instrument().citation_short)
    return cited or [f"MQA, {load_knowledge().index_url}"]


def answer(topic_id: str, language: str) -> str:
    """The answer in `language`, then "Source: ..." naming every fact it cites."""
    topic = load_knowledge().topics[topic_id]
    text = f"{topic.text.get(language)}\n{source_line(sources(topic), language)}"
    return name_mqa_in_full(text, language)
