"""The long training messages that only the paragraph reader learns from (data/paragraphs/).

DIET reads short messages and learns from data/nlu. Long messages that touch two themes,
labelled with their primary one, taught it the wrong words for its short-message themes,
so they live apart, in a format of Sedia's own that `rasa train` does not load as NLU data,
and the paragraph component (bot/nlp/paragraph_component.py) reads them at training time.
Their fingerprint joins the component's, so editing them retrains the component.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, NamedTuple

import yaml

from bot.config.settings import REPO_ROOT
from bot.core.instrument import load_instrument

LONG_EXAMPLES_DIR = REPO_ROOT / "data" / "paragraphs"


def _files(directory: Path) -> List[Path]:
    return sorted(directory.glob("*.yml")) if directory.is_dir() else []


class LongExample(NamedTuple):
    """One long training message, its theme's intent, and its language group (the file's name)."""

    text: str
    intent: str
    group: str


def long_examples(directory: Path = LONG_EXAMPLES_DIR) -> List[LongExample]:
    """Every long example, from each language's file (`<group>.yml`)."""
    intents = {theme.id: theme.intent_name for theme in load_instrument().themes}
    examples: List[LongExample] = []
    for path in _files(directory):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for theme, texts in (raw.get("themes") or {}).items():
            if theme not in intents:
                raise ValueError(f"{path}: '{theme}' is not one of the themes {sorted(intents)}")
            examples += [LongExample(" ".join(str(t).split()), intents[theme], path.stem) for t in texts or []]
    return examples


def long_examples_fingerprint(directory: Path = LONG_EXAMPLES_DIR) -> str:
    """A digest of the files' names and contents: it changes whenever an example does."""
    digest = hashlib.sha256()
    for path in _files(directory):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()
