"""Build Sedia's own spaCy pipeline from the project's data (no model download).

The pipeline is spaCy's blank Indonesian base (the closest language spaCy ships to
Bahasa Melayu; see the README for the comparison behind the choice), a lookup lemmatizer
with Sedia's Bahasa Melayu rules (`bot/nlp/malay.yml`), and an EntityRuler made from
`bot/nlp/gazetteer.yml` and the MQA topics of `bot/guidance/mqa.yml`. Rasa's SpacyNLP loads it from the folder this writes
(`models/spacy/sedia` by default): `python -m bot.nlp.build [OUT_DIR]`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import spacy
from spacy.language import Language
from spacy.lookups import Lookups

from bot.guidance.mqa import keyword_index
from bot.nlp.gazetteer import load_gazetteer
from bot.nlp.malay import lemma_table

BASE_LANGUAGE = "id"
PIPELINE_NAME = "sedia"
PIPELINE_VERSION = "2.0.0"
MQA_TOPIC = "mqa_topic"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "models" / "spacy" / PIPELINE_NAME


def build_pipeline(base_language: str = BASE_LANGUAGE, malay_rules: bool = True) -> Language:
    """Return the pipeline: blank base, Malay lemmas, and the gazetteer's EntityRuler."""
    nlp = spacy.blank(base_language)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = "Sedia: English and Bahasa Melayu tokens, lemmas and profile entities"
    if malay_rules:
        lookups = Lookups()
        lookups.add_table("lemma_lookup", lemma_table())
        lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        lemmatizer.initialize(lookups=lookups)
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "overwrite_ents": True})

    def tokenize(phrase: str) -> list:
        return [token.text for token in nlp.make_doc(phrase)]

    ruler.add_patterns(load_gazetteer().entity_patterns(tokenize))
    # MQA sub-topics ("APEL", "kredit", "lencana"), from the knowledge base's keywords.
    ruler.add_patterns(
        {"label": MQA_TOPIC, "id": topic, "pattern": [{"LOWER": t.lower()} for t in tokenize(keyword)]}
        for keyword, topic in keyword_index()
    )
    return nlp


def write_pipeline(out_dir: Optional[Path] = None) -> Path:
    """Build the pipeline and write it to `out_dir`; return the folder."""
    target = Path(out_dir) if out_dir else DEFAULT_OUT
    target.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(target)
    return target


if __name__ == "__main__":
    written = write_pipeline(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"spaCy pipeline written to {written}")
