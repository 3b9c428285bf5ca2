"""Every statement says where it comes from, and says only what its source says.

The facts are checked against `shared/domain/mqa-facts.md`, the study's words against the
provenance each statement declares, and the users' view (answers, guidance, plan and
summary) against the labels that provenance calls for, in English and Malay.
"""

import html
import re
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

from bot.core.documents import markdown_to_html
from bot.core.instrument import Statement, load_instrument
from bot.core.messages import message, name_mqa_in_full
from bot.core.plan import build_plan, checklist_topic, render_markdown
from bot.core.provenance import ProvenanceError, parse_provenance
from bot.core.scoring import score_answers
from bot.core.summary import render_summary
from bot.guidance import (
    GUIDANCE_DIR,
    all_item_steps,
    all_recommendations,
    all_theme_actions,
    check_advice_provenance,
    mqa,
    theme_guidance_answer,
    theme_guidance_statements,
)
from bot.guidance.mqa import answer, detect_topic, load_knowledge

REPO = Path(__file__).resolve().parents[2]
FACTS_MD = REPO.parent / "shared" / "domain" / "mqa-facts.md"
KNOWLEDGE = load_knowledge()
INSTRUMENT = load_instrument()
LANGUAGES = ("en", "ms")

STUDY_FOUND = {"en": re.compile(r"\bthe study found\b", re.I), "ms": re.compile(r"\bkajian (ini )?mendapati\b", re.I)}
MQA_REQUIRES = {"en": re.compile(r"\bMQA requires\b"), "ms": re.compile(r"\bMQA\)? mewajibkan\b")}
ATTRIBUTION = {"en": "according to", "ms": "menurut"}


# ----- the provenance strings -----------------------------------------------------------
@pytest.mark.parametrize(
    "raw, reason",
    [
        (None, "says nothing"),
        ("", "says nothing"),
        ("rumour 1.1", "unknown provenance"),
        ("mqa", "must cite"),
        ("attributed", "must cite"),
        ("study", "must cite"),
        ("sedia 1.1", "cites nothing"),
        ("study chapter.9", "no study section"),
    ],
)
def test_a_provenance_that_cites_nothing_or_nonsense_is_refused(raw, reason):
    with pytest.raises(ProvenanceError, match=reason):
        parse_provenance(raw, "somewhere")


def test_only_the_themes_are_findings_of_the_study():
    assert parse_provenance("study theme.3", "x").is_finding
    for section in ("recommendations", "context", "who"):
        assert not parse_provenance(f"study {section}", "x").is_finding
    assert parse_provenance("mqa 1.2 5.5", "x").fact_ids == ("1.2", "5.5")


def test_advice_is_the_study_or_sedia_never_an_mqa_rule():
    for raw in ("mqa 1.2", "attributed 2.3", "study context", "study who"):
        with pytest.raises(ProvenanceError, match="advice"):
            check_advice_provenance(parse_provenance(raw, "x"), "x")
    for raw in ("sedia", "study recommendations", "study theme.4", "study theme.2 recommendations"):
        check_advice_provenance(parse_provenance(raw, "x"), "x")


# ----- facts against mqa-facts.md ---------------------------------------------------------
def _md_rows() -> Dict[str, Tuple[str, str, str]]:
    """id -> (fact, status, source) from the tables of mqa-facts.md; "same" resolved."""
    rows, previous_source = {}, ""
    for line in FACTS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+\.\d+", cells[0]):
            source = previous_source if cells[3] == "same" else cells[3]
            rows[cells[0]] = (cells[1], cells[2], source)
            previous_source = source
    return rows


MD = _md_rows()


def test_the_reference_facts_are_read():
    assert len(MD) >= 25 and MD["1.2"][2] == MD["1.1"][2]


@pytest.mark.parametrize("fid", sorted(KNOWLEDGE.facts))
def test_each_fact_keeps_the_status_of_mqa_facts_md(fid):
    fact = KNOWLEDGE.facts[fid]
    assert fid in MD, f"fact {fid} is not in mqa-facts.md"
    md_status = MD[fid][1]
    assert not md_status.startswith("unverified")
    assert md_status.split()[0] == fact.status, (fid, md_status)


@pytest.mark.parametrize("fid", sorted(KNOWLEDGE.facts))
def test_a_source_line_holds_only_the_year_and_link_its_fact_has(fid):
    fact = KNOWLEDGE.facts[fid]
    text, _status, source = MD[fid]
    if fact.year is not None:
        assert str(fact.year) in f"{text} {source}", f"{fid}: year {fact.year} is not in its fact"
    if fact.url:
        bare = re.sub(r"^https?://", "", fact.url)
        if fact.url == KNOWLEDGE.index_url:
            assert "GGP index" in source, f"{fid} points to the guideline index instead of its own source"
        else:
            assert bare in source, f"{fid}: {fact.url} is not its fact's source"


def test_the_facts_issue_15_found_wrong_stay_fixed():
    facts = KNOWLEDGE.facts
    for fid in ("2.1", "1.4", "5.2"):
        assert facts[fid].year is None, fid
    assert "2nd edition" not in facts["4.2"].citation and "MQF" not in facts["4.2"].citation
    assert facts["2.3"].status == "attributed" and "quality verification centre" in facts["2.3"].by
    raw = yaml.safe_load((GUIDANCE_DIR / "mqa_facts.yml").read_text(encoding="utf-8"))
    assert "study" not in raw, "study claims do not belong among the MQA facts"


# ----- every statement, wherever it is kept ---------------------------------------------
def every_statement() -> Iterator[Tuple[str, Statement]]:
    """(where, statement) for the MQA answers, the theme guidance and the 'why' texts."""
    for topic in KNOWLEDGE.topics.values():
        for n, statement in enumerate(topic.all_statements, start=1):
            yield f"mqa answer {topic.id} #{n}", statement
    for theme_id in INSTRUMENT.theme_ids:
        for n, statement in enumerate(theme_guidance_statements(theme_id), start=1):
            yield f"guidance {theme_id} #{n}", statement
    for item in INSTRUMENT.items:
        yield f"why {item.id}", Statement(item.why, item.why_from)


STATEMENTS = list(every_statement())


def test_every_statement_has_a_provenance_and_there_are_many():
    assert len(STATEMENTS) > 80
    kinds = {s.provenance.kind for _, s in STATEMENTS}
    assert kinds == {"mqa", "attributed", "study", "sedia"}


@pytest.mark.parametrize("where, statement", STATEMENTS, ids=[w for w, _ in STATEMENTS])
def test_each_statement_says_it_the_way_its_source_allows(where, statement):
    source = statement.provenance
    for language in LANGUAGES:
        text = statement.get(language)
        if STUDY_FOUND[language].search(text):
            assert source.is_finding, f"{where}/{language} says the study found it, but cites {source}"
        if MQA_REQUIRES[language].search(text):
            assert source.kind == "mqa" and all(KNOWLEDGE.facts[f].by == "MQA" for f in source.fact_ids), (
                f"{where}/{language} says MQA requires it, but cites {source}"
            )
        if source.kind == "attributed":
            assert ATTRIBUTION[language] in text.lower(), f"{where}/{language} states an attributed fact flatly"
        for fid in source.fact_ids:
            assert fid in KNOWLEDGE.facts, f"{where} cites unknown fact {fid}"
    if source.kind == "attributed":
        names = {KNOWLEDGE.facts[f].by for f in source.fact_ids}
        assert any(name in statement.get("en") for name in names), f"{where} does not name who states it"


def test_sedia_speaks_for_itself_in_answers_and_guidance():
    for where, statement in STATEMENTS:
        if statement.provenance.kind == "sedia" and not where.startswith("why"):
            assert re.search(r"\bSedia\b|\bI\b|\bme\b", statement.get("en")), where
            assert re.search(r"\bSedia\b|\b[Ss]aya\b", statement.get("ms")), where


@pytest.mark.parametrize(
    "loaded_from, reason",
    [
        ("study", "must cite"),
        ("mqa", "must cite"),
        ("mqa 3.2", "attributed, cited as mqa"),
        ("attributed 1.4", "verified, cited as attributed"),
        ("attributed 9.9", "unknown facts"),
    ],
)
def test_the_knowledge_base_refuses_a_statement_without_its_proper_source(tmp_path, loaded_from, reason):
    for name in ("mqa.yml", "mqa_facts.yml"):
        shutil.copy(mqa.GUIDANCE_DIR / name, tmp_path / name)
    raw = yaml.safe_load((tmp_path / "mqa.yml").read_text(encoding="utf-8"))
    raw["topics"]["apel"]["statements"][1]["from"] = loaded_from
    (tmp_path / "mqa.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        mqa.load_knowledge(str(tmp_path))


def test_the_instrument_refuses_a_why_without_its_source(tmp_path):
    from bot.core.instrument import INSTRUMENT_PATH, parse_instrument

    raw = yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))
    del raw["themes"][0]["items"][0]["why"]["from"]
    with pytest.raises(ProvenanceError, match="con_1"):
        parse_instrument(raw)


# ----- what issue 15 found, kept fixed ----------------------------------------------------
def _why(item_id: str) -> Statement:
    item = next(i for i in INSTRUMENT.items if i.id == item_id)
    return Statement(item.why, item.why_from)


def test_the_study_is_not_said_to_have_found_the_literatures_debate():
    # The informants knew the term well; varying definitions come from the literature.
    for item_id in ("con_1", "con_2"):
        why = _why(item_id)
        assert "context" in why.provenance.cites
        assert not re.search(r"mix|confus|campur", why.get("en") + why.get("ms"), re.I)
    guidance = theme_guidance_statements("conceptualisation")
    varies = [s for s in guidance if "nano-degrees" in s.get("en")]
    assert varies and all(s.provenance.cites == ("context",) for s in varies)
    assert "literature" in varies[0].get("en") and "literatur" in varies[0].get("ms").lower()


def test_attributed_rules_and_unsourced_inferences_are_gone_from_the_answers():
    every_answer = " ".join(answer(t, lang) for t in KNOWLEDGE.topics for lang in LANGUAGES)
    for phrase in (
        "without assessed outcomes is not",
        "attendance alone",
        "the guideline itself has the limits",
        "MQA's quality verification",
    ):
        assert phrase not in every_answer, phrase
    apel = KNOWLEDGE.topics["apel"]
    meanings = [s for s in apel.statements if "APEL.M is" in s.get("en")]
    assert meanings and meanings[0].provenance.kind == "attributed"


def test_sedias_own_plan_actions_are_labelled_as_sedias():
    actions = [a for steps in all_theme_actions().values() for a in steps] + list(all_item_steps().values())
    actions += [r for by_level in all_recommendations().values() for r in by_level.values()]
    sedias = re.compile(r"KPI|load-test|under the load|bandwidth|semester|review of the course|quality checklist", re.I)
    for action in actions:
        text = action.text.get("en")
        if sedias.search(text):
            assert action.provenance.kind == "sedia", text
        assert "claim costs" not in text
        if re.search(r"[Pp]air .*subject-matter expert", text):
            assert action.owner == "training_centre", text
    approval = [a for a in actions if "approval" in a.text.get("en")]
    assert any("senate" in a.text.get("en") and "senat" in a.text.get("ms") for a in approval)
    own_money = [a for a in actions if "own money" in a.text.get("en")]
    assert own_money and own_money[0].from_study


# ----- what users see ----------------------------------------------------------------------
def _values(level: int) -> Dict[str, int]:
    return {item.id: level for item in INSTRUMENT.items if not item.is_open}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plan_labels_every_action_by_its_provenance(language):
    plan = build_plan(_values(1), INSTRUMENT)
    text = render_markdown(plan, INSTRUMENT, language)
    labels = {
        "sedia": message("provenance.sedia", language),
        "recommends": message("provenance.study_recommends", language),
        "found": message("provenance.study_found", language),
    }
    for gap in plan.gaps:
        for action in gap.actions:
            # The Malay plan may name MQA in full inside an action, so match its start.
            line = next(each for each in text.splitlines() if action.text.get(language)[:30] in each)
            if action.provenance.kind == "sedia":
                expected = labels["sedia"]
            elif "recommendations" in action.provenance.cites:
                expected = labels["recommends"]
            else:
                expected = labels["found"]
            assert line.endswith(f"({expected})"), line
    assert labels["sedia"] in text and labels["recommends"] in text
    assert {"en": "Sedia suggests", "ms": "cadangan Sedia"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plan_keeps_mqa_requirements_apart_and_cites_their_sources(language):
    topic = checklist_topic()
    for statement in topic.requires:
        assert statement.provenance.kind == "mqa"
        assert all(KNOWLEDGE.facts[f].by == "MQA" for f in statement.provenance.fact_ids)
    for statement in topic.good_practice:
        assert all(KNOWLEDGE.facts[f].by != "MQA" for f in statement.provenance.fact_ids)
    text = render_markdown(build_plan(_values(2), INSTRUMENT), INSTRUMENT, language)
    good = text[text.index(message("mqa.good_practice", language)) :]
    for phrase in ("once a year", "sekali setahun"):
        assert phrase not in text[: text.index(message("mqa.good_practice", language))] or phrase in good
    source_line = text.strip().splitlines()[-1]
    for fact in topic.facts:
        assert fact.citation in source_line
    assert "eSP" in text and {"en": "senates", "ms": "senat"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_printable_plan_shows_requirements_and_good_practice_under_their_own_headings(language):
    markdown = render_markdown(build_plan(_values(2), INSTRUMENT), INSTRUMENT, language)
    page = markdown_to_html(markdown, message("plan.title", language), language)
    requires = f"<h3>{html.escape(message('mqa.requires', language), quote=True)}</h3>"
    good = f"<h3>{html.escape(message('mqa.good_practice', language), quote=True)}</h3>"
    assert page.index(requires) < page.index(good)
    assert html.escape(f"({message('provenance.sedia', language)})", quote=True) in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_says_whose_advice_it_gives(language):
    profile = score_answers(_values(1), INSTRUMENT)
    text = render_summary(profile, INSTRUMENT, language, complete=True)
    advice = [line for line in text.splitlines() if re.match(r"\d\. ", line)]
    labels = [message(f"provenance.{k}", language) for k in ("sedia", "study_recommends", "study_found")]
    assert advice and all(any(line.endswith(f"({label})") for label in labels) for line in advice)
    assert message("provenance.sedia", language) in text  # conceptualisation: Sedia's own
    assert INSTRUMENT.citation_short in text  # training: the study's


def test_the_source_line_names_the_paper_only_when_the_advice_rests_on_it():
    values = {**_values(5), **{i.id: 1 for i in INSTRUMENT.theme("conceptualisation").scale_items}}
    text = render_summary(score_answers(values, INSTRUMENT), INSTRUMENT, "en", complete=True)
    assert "Sedia suggests" in text and INSTRUMENT.citation_short not in text


# ----- Bahasa Melayu --------------------------------------------------------------------
def _malay_messages() -> List[Tuple[str, str]]:
    shown = [(f"answer {t}", answer(t, "ms")) for t in KNOWLEDGE.topics]
    shown += [(f"guidance {t}", theme_guidance_answer(t, "ms")) for t in INSTRUMENT.theme_ids]
    shown.append(("plan", render_markdown(build_plan(_values(1), INSTRUMENT), INSTRUMENT, "ms")))
    shown.append(("summary", render_summary(score_answers(_values(1), INSTRUMENT), INSTRUMENT, "ms", True)))
    shown += [(f"item {i.id}", i.text.get("ms")) for i in INSTRUMENT.items]
    shown += [(f"why {i.id}", i.why.get("ms")) for i in INSTRUMENT.items]
    return shown


def test_malay_names_mqa_in_full_at_its_first_mention():
    for where, text in _malay_messages():
        first = re.search(r"MQA", text)
        if first:
            assert text[: first.end() + 1].endswith("Agensi Kelayakan Malaysia (MQA)"), where
    assert name_mqa_in_full("Garis panduan MQA. MQA juga", "ms") == (
        "Garis panduan Agensi Kelayakan Malaysia (MQA). MQA juga"
    )
    assert name_mqa_in_full("MQA's guideline", "en") == "MQA's guideline"
    already = "Agensi Kelayakan Malaysia (MQA) dan MQA"
    assert name_mqa_in_full(already, "ms") == already


def test_malay_uses_the_official_terms():
    malay = " ".join(text for _, text in _malay_messages())
    assert "Pengiktirafan Pencapaian Pembelajaran Terdahulu" in answer("apel", "ms")
    assert "Jam Pembelajaran Pelajar (JPP)" in answer("credit", "ms")
    assert "Akta Agensi Kelayakan Malaysia 2007" in answer("accreditation", "ms")
    assert "Kursus Dalam Talian Terbuka Secara Besar-besaran" in answer("stacking", "ms")
    for wrong in ("swa-akreditasi", "kedoktoran", "secara langsung", "bertauliah kredit"):
        assert wrong not in malay, wrong
    assert "swaakreditasi" in answer("accreditation", "ms") and "berkredit" in answer("qa_checklist", "ms")


@pytest.mark.parametrize(
    "question, topic",
    [
        ("berapa JPP untuk satu kredit", "credit"),
        ("universiti swaakreditasi perlu kelulusan?", "accreditation"),
        ("apa itu mikrokredensial", "definition"),
    ],
)
def test_malay_spellings_find_their_topic(question, topic):
    assert detect_topic(question) == topic
