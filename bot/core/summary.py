"""The readiness summary a user gets at the end of an interview (or of one theme)."""

from __future__ import annotations

from typing import List

from bot.core.instrument import Instrument
from bot.core.messages import message, name_mqa_in_full, source_line
from bot.core.scoring import ReadinessProfile
from bot.guidance import advice_label, recommendation

GAPS_WITH_ADVICE = 2


def render_summary(profile: ReadinessProfile, instrument: Instrument, language: str, complete: bool) -> str:
    """Scores and levels per theme, then one recommendation for each of the two largest gaps.

    Each recommendation says whether the study or Sedia gives it; the paper is cited only
    when a recommendation rests on it.
    """
    lines: List[str] = [f"**{message('summary.' + ('complete' if complete else 'partial'), language)}**"]
    if profile.index is None:
        lines.append(message("summary.no_scores", language))
        return "\n".join(lines)
    lines.append(
        f"{message('summary.index', language)}: **{profile.index}/100** ({profile.scored_level.label.get(language)})"
    )
    lines.append("")
    for theme_score in profile.themes:
        name = instrument.theme(theme_score.theme_id).name.get(language)
        if theme_score.is_scored:
            lines.append(f"- {name}: {theme_score.score:.1f}/5 ({theme_score.scored_level.label.get(language)})")
        else:
            lines.append(f"- {name}: {message('summary.not_answered', language)}")
    gaps = [g for g in profile.gaps if g.scored_level.id != instrument.levels[-1].id][:GAPS_WITH_ADVICE]
    lines.append("")
    if gaps:
        lines.append(f"{message('summary.gaps', language)}:")
        chosen = gaps
    else:
        lines.append(message("summary.no_gaps", language))
        chosen = list(profile.gaps[:1])
    cites_study = False
    for n, gap in enumerate(chosen, start=1):
        advice = recommendation(gap.theme_id, gap.scored_level.id)
        name = instrument.theme(gap.theme_id).name.get(language)
        label = advice_label(advice.provenance, language)
        lines.append(f"{n}. {name}: {advice.owner_label.get(language)}: {advice.text.get(language)} ({label})")
        cites_study = cites_study or advice.from_study
    if cites_study:
        lines.append(source_line([instrument.citation_short], language))
    return name_mqa_in_full("\n".join(lines), language)
