"""Where each statement Sedia makes comes from.

Every guidance sentence, "why" text, MQA answer sentence and plan action carries a
provenance in the data files, written as one short string:

- `mqa 1.4`: a verified fact of `bot/guidance/mqa_facts.yml` (one or more ids). The text
  may state it plainly, naming who says it.
- `attributed 3.2`: a fact that a university or secondary page restates. The text says
  who states it ("according to UPNM's APEL pages ...").
- `study theme.2`: a section of the study summary (`shared/domain/readiness-study.md`):
  `who`, `theme.1` to `theme.5` (what the informants reported), `recommendations`, or
  `context` (the literature the paper reviews).
- `sedia`: Sedia's own suggestion or statement; users see "Sedia suggests".

Only `theme.N` sections are findings, so only they may be said as "the study found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

MQA = "mqa"
ATTRIBUTED = "attributed"
STUDY = "study"
SEDIA = "sedia"
KINDS = (MQA, ATTRIBUTED, STUDY, SEDIA)
STUDY_FINDINGS = tuple(f"theme.{n}" for n in range(1, 6))
STUDY_SECTIONS = ("who", *STUDY_FINDINGS, "recommendations", "context")


class ProvenanceError(ValueError):
    """A provenance that names no known kind, or cites nothing where it must."""


@dataclass(frozen=True)
class Provenance:
    """The kind of source a statement rests on, and what it cites (fact ids or a study section)."""

    kind: str
    cites: Tuple[str, ...] = ()

    @property
    def is_finding(self) -> bool:
        """True when the statement reports what the study's informants said."""
        return self.kind == STUDY and any(c in STUDY_FINDINGS for c in self.cites)

    @property
    def fact_ids(self) -> Tuple[str, ...]:
        """The ids of the MQA and reference facts cited (none for the study or Sedia)."""
        return self.cites if self.kind in (MQA, ATTRIBUTED) else ()

    def __str__(self) -> str:
        return " ".join((self.kind, *self.cites))


def parse_provenance(raw: object, where: str) -> Provenance:
    """A Provenance from its string form, such as "mqa 1.2 1.1" or "study theme.4"."""
    words = str(raw or "").split()
    if not words:
        raise ProvenanceError(f"{where}: says nothing about where it comes from (`from:`)")
    kind, cites = words[0], tuple(words[1:])
    if kind not in KINDS:
        raise ProvenanceError(f"{where}: unknown provenance {kind!r}; one of {list(KINDS)}")
    if kind == SEDIA:
        if cites:
            raise ProvenanceError(f"{where}: Sedia's own suggestion cites nothing, found {list(cites)}")
    elif not cites:
        raise ProvenanceError(f"{where}: a {kind} statement must cite its source")
    if kind == STUDY:
        unknown = [c for c in cites if c not in STUDY_SECTIONS]
        if unknown:
            raise ProvenanceError(f"{where}: no study section {unknown}; one of {list(STUDY_SECTIONS)}")
    return Provenance(kind, cites)
