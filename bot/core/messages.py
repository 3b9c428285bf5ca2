"""Wording used by Sedia's own logic, from `bot/core/messages.yml`, in the user's language."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Sequence

import yaml

from bot.core.instrument import Wording, parse_wording

MESSAGES_PATH = Path(__file__).with_name("messages.yml")


@lru_cache(maxsize=None)
def _messages() -> dict:
    with MESSAGES_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def wording(key: str) -> Wording:
    """The Wording at a dotted key such as "summary.index" (KeyError if missing)."""
    node: Any = _messages()
    for part in key.split("."):
        node = node[part]
    return parse_wording(node, f"message {key}")


def message(key: str, language: str = "en", **values: Any) -> str:
    """The text at `key` in `language`, with `{name}` fields filled from `values`."""
    return wording(key).get(language).format(**values)


def source_line(sources: Sequence[str], language: str = "en") -> str:
    """ "Source: a; b." in `language`, the line that ends an answer, a plan or a summary."""
    return f"{message('summary.source', language)}: {'; '.join(sources)}."


def counted(noun: str, count: int, language: str = "en") -> str:
    """ "1 answer", "3 answers" or "0 answers" (and their Malay), from `counts.<noun>`."""
    form = "one" if count == 1 else "other"
    return message(f"counts.{noun}.{form}", language, count=count)


def counted_list(counts: Dict[str, int], language: str = "en") -> str:
    """Several counts in one phrase, such as "2 answers, 1 assessment, 0 action plans"."""
    return ", ".join(counted(noun, count, language) for noun, count in counts.items())


def section(key: str) -> Dict[str, Wording]:
    """Every wording directly under a key, such as "widget", by its name."""
    return {name: wording(f"{key}.{name}") for name in _messages()[key]}


MQA_FULL_NAME = {"ms": "Agensi Kelayakan Malaysia (MQA)"}
_FIRST_MQA = re.compile(r"(?<![(\w])MQA(?![\w)])")


def name_mqa_in_full(text: str, language: str) -> str:
    """The text with MQA's official name at its first mention, where the language has one.

    Malay readers expect "Agensi Kelayakan Malaysia (MQA)" before the bare acronym; a
    message whose first mention already is the full name is left as it is.
    """
    full = MQA_FULL_NAME.get(language)
    bare = _FIRST_MQA.search(text) if full else None
    if full is None or bare is None or -1 < text.find(full) < bare.start():
        return text
    return text[: bare.start()] + full + text[bare.end() :]
