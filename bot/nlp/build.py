"""Build Sedia's own spaCy pipeline from the project's data (no model download).

The pipeline is a blank English tokenizer with an EntityRuler made from
`bot/nlp/gazetteer.yml`. Rasa's SpacyNLP loads it from the folder this writes
(`models/spacy/sedia_en` by default): `python -m bot.nlp.build [OUT_DIR]`.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import spacy
from spacy.language import Language

from bot.nlp.gazetteer import load_gazetteer

PIPELINE_NAME = "sedia_en"
PIPELINE_VERSION = "1.0.0"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "models" / "spacy" / PIPELINE_NAME


def build_pipeline() -> Language:
    """Return the blank-English pipeline with the gazetteer's EntityRuler."""
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = "Sedia: tokenizer and EntityRuler for Malaysian HE profiles"
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True, "overwrite_ents": True})

    def tokenize(phrase: str) -> list:
        return [token.text for token in nlp.make_doc(phrase)]

    ruler.add_patterns(load_gazetteer().entity_patterns(tokenize))
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
