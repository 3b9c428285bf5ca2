"""Bahasa Melayu lemmas for Sedia's spaCy pipeline, from `bot/nlp/malay.yml`.

The table maps a lower-case token to the lemma Rasa's featurizers should see: informal
spellings to the standard word, Malay domain words to the English word that code-mixed
messages use for them, and words with a clitic ("bajetnya", "bolehkah") to the word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

MALAY_PATH = Path(__file__).with_name("malay.yml")
_WORD = re.compile(r"[\w']+")


@lru_cache(maxsize=None)
def _rules(path: str = str(MALAY_PATH)) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def clitics() -> tuple:
    """The endings that attach to a Malay word ("-nya", "-lah", "-kah", "-pun")."""
    return tuple(_rules().get("clitics") or ())


@lru_cache(maxsize=None)
def lemma_table(path: str = str(MALAY_PATH)) -> Dict[str, str]:
    """Every token Sedia lemmatises, and its lemma."""
    raw = _rules(path)
    table: Dict[str, str] = {}
    for section in ("informal", "shared"):
        for word, lemma in (raw.get(section) or {}).items():
            table[str(word).lower()] = str(lemma).lower()
    # A lemma is itself a word; "bajet" -> "budget" means "bajetnya" -> "budget" too.
    stems = {word: table.get(word, word) for word in [*table, *(raw.get("clitic_stems") or [])]}
    for stem, lemma in stems.items():
        for clitic in raw.get("clitics") or []:
            table.setdefault(f"{stem}{clitic}", lemma)
    return table


def with_lemmas(text: str) -> str:
    """The text in lower case with each word Sedia lemmatises replaced by its lemma, as
    Rasa's featurizers see it: for classifiers that read raw text outside spaCy."""
    table = lemma_table()
    return _WORD.sub(lambda word: table.get(word.group(0), word.group(0)), text.lower())
