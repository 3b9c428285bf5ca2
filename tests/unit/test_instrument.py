"""The instrument file loads, follows its own rules and covers the study."""

import copy

import pytest
import yaml

from bot.core.instrument import (
    INSTRUMENT_PATH,
    MAX_ITEMS_PER_THEME,
    MIN_ITEMS_PER_THEME,
    InstrumentError,
    load_instrument,
    parse_instrument,
)

STUDY_THEMES = {
    1: "conceptualisation",
    2: "training",
    3: "infrastructure",
    4: "quality",
    5: "institutional",
}


@pytest.fixture
def raw():
    return yaml.safe_load(INSTRUMENT_PATH.read_text(encoding="utf-8"))


def test_five_study_themes_in_order():
    instrument = load_instrument()
    assert [(t.study_theme, t.id) for t in instrument.themes] == sorted(STUDY_THEMES.items())


def test_each_theme_has_four_to_seven_statements_and_one_open_question():
    # Six was the limit until instrument version 2 added the study's points on outside
    # help for content (training) and on accreditation and recognition (quality).
    for theme in load_instrument().themes:
        assert MIN_ITEMS_PER_THEME == 4 and MAX_ITEMS_PER_THEME == 7
        assert MIN_ITEMS_PER_THEME <= len(theme.scale_items) <= MAX_ITEMS_PER_THEME, theme.id
        assert theme.open_item.is_open and theme.open_item.theme_id == theme.id
        assert all(not item.is_open for item in theme.scale_items)


def test_every_sub_theme_is_covered_by_a_statement():
    for theme in load_instrument().themes:
        covered = {item.sub_theme for item in theme.scale_items}
        assert covered == {s.id for s in theme.sub_themes}, theme.id


def test_training_and_infrastructure_cover_the_aspects_the_study_names():
    instrument = load_instrument()
    aspects = lambda theme: {i.aspect for i in instrument.theme(theme).scale_items}  # noqa: E731
    assert {"ict_competency", "instructional_designers", "support_staff_training", "development_time"} <= aspects(
        "training"
    )
    assert {
        "studios_equipment",
        "software_licences",
        "platform_stability",
        "connectivity",
        "dedicated_funding",
    } <= aspects("infrastructure")


def test_scale_is_five_point_agreement_with_not_sure():
    scale = load_instrument().scale
    assert [p.value for p in scale.points] == [1, 2, 3, 4, 5]
    assert scale.points[0].label.get("en") == "Strongly disagree"
    assert scale.points[-1].label.get("en") == "Strongly agree"
    assert scale.not_sure_label.get("en") == "Not sure"


def test_every_item_has_wording_and_a_reason_in_both_languages():
    for item in load_instrument().items:
        for language in ("en", "ms"):
            assert item.text.by_language[language] and item.why.by_language[language], item.id
        assert item.text.get("ms") != item.text.get("en"), item.id


def test_scale_labels_in_bahasa_melayu():
    scale = load_instrument().scale
    assert [p.label.get("ms") for p in scale.points] == [
        "Sangat tidak setuju",
        "Tidak setuju",
        "Neutral",
        "Setuju",
        "Sangat setuju",
    ]
    assert scale.not_sure_label.get("ms") == "Tidak pasti"


def test_levels_ascend_from_the_scale_minimum():
    instrument = load_instrument()
    assert [lv.id for lv in instrument.levels] == ["not_ready", "emerging", "developing", "ready"]
    assert instrument.level_for(1.0).id == "not_ready"
    assert instrument.level_for(1.99).id == "not_ready"
    assert instrument.level_for(2.0).id == "emerging"
    assert instrument.level_for(3.5).id == "developing"
    assert instrument.level_for(4.0).id == "ready"
    assert instrument.level_for(5.0).id == "ready"


def test_profile_roles_and_zones():
    profile = load_instrument().profile
    assert profile.field_ids == ("institution", "faculty", "role", "zone")
    assert [r.id for r in profile.roles] == [
        "programme_director",
        "programme_coordinator",
        "senior_lecturer",
        "lecturer",
        "other",
    ]
    assert [z.id for z in profile.zones] == ["north", "central", "south", "east_coast", "east_malaysia"]


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda raw: raw["themes"][0]["items"].pop(), "needs"),  # 5 -> 4 is fine, so pop twice below
        (lambda raw: raw["themes"][1]["items"].append(copy.deepcopy(raw["themes"][1]["items"][0])), "statements"),
        (lambda raw: raw["themes"][2]["items"][0].update(sub_theme="nowhere"), "unknown sub-theme"),
        (lambda raw: raw["themes"][3]["items"][1].update(id="qua_1"), "duplicate item"),
        (lambda raw: raw["themes"][0]["items"][0]["text"].pop("en"), r"no text in \['en'\]"),
        (lambda raw: raw["themes"][0]["items"][0]["text"].pop("ms"), r"no text in \['ms'\]"),
        (lambda raw: raw["scale"]["points"][2]["label"].update(ms="  "), r"no text in \['ms'\]"),
        (lambda raw: raw["levels"].reverse(), "levels"),
    ],
)
def test_broken_instrument_is_rejected(raw, break_it, message):
    if message == "needs":
        raw["themes"][0]["items"] = raw["themes"][0]["items"][:3]
    else:
        break_it(raw)
    with pytest.raises(InstrumentError, match=message):
        parse_instrument(raw)
