"""Load and check the readiness instrument (`bot/core/instrument.yml`).

Everything else (the Rasa domain, the actions, the scoring, the export) asks this module
for themes, items, scales and wording, so a question is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot.core.provenance import Provenance, parse_provenance

INSTRUMENT_PATH = Path(__file__).with_name("instrument.yml")
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "ms")
MIN_ITEMS_PER_THEME = 4
MAX_ITEMS_PER_THEME = 7


class InstrumentError(ValueError):
    """The instrument file breaks one of its own rules."""


@dataclass(frozen=True)
class Wording:
    """One text in every language Sedia speaks (English and Bahasa Melayu)."""

    by_language: Mapping[str, str]

    def get(self, language: Optional[str] = None) -> str:
        """Return the text in `language`; an unknown language gets English."""
        if language and self.by_language.get(language):
            return self.by_language[language]
        return self.by_language[DEFAULT_LANGUAGE]

    def variants(self) -> List[str]:
        """Return every language's wording."""
        return [text for text in self.by_language.values() if text]


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: Wording
    typed: Mapping[str, Tuple[str, ...]]


@dataclass(frozen=True)
class Scale:
    id: str
    minimum: int
    maximum: int
    points: Tuple[ScalePoint, ...]
    not_sure_label: Wording
    not_sure_typed: Mapping[str, Tuple[str, ...]]
    hint: Wording


@dataclass(frozen=True)
class OpenQuestionRules:
    skip_typed: Mapping[str, Tuple[str, ...]]
    max_chars: int
    hint: Wording


@dataclass(frozen=True)
class Level:
    id: str
    lower_bound: float
    label: Wording


@dataclass(frozen=True)
class Item:
    """One question: a scale statement, or the theme's open question (`is_open`)."""

    id: str
    theme_id: str
    text: Wording
    why: Wording
    why_from: Provenance
    is_open: bool = False
    sub_theme: Optional[str] = None
    aspect: Optional[str] = None


@dataclass(frozen=True)
class SubTheme:
    id: str
    name: Wording


@dataclass(frozen=True)
class Theme:
    id: str
    study_theme: int
    name: Wording
    intro: Wording
    sub_themes: Tuple[SubTheme, ...]
    scale_items: Tuple[Item, ...]
    open_item: Item

    @property
    def form_name(self) -> str:
        """The Rasa form that asks this theme's questions."""
        return f"{self.id}_form"

    @property
    def intent_name(self) -> str:
        """The NLU intent of a message that raises a problem in this theme."""
        return f"theme_{self.id}"

    @property
    def items(self) -> Tuple[Item, ...]:
        """Every question of the theme in asking order: the statements, then the open one."""
        return self.scale_items + (self.open_item,)


@dataclass(frozen=True)
class Choice:
    id: str
    label: Wording


@dataclass(frozen=True)
class ProfileField:
    id: str
    question: Wording
    hint: Wording


@dataclass(frozen=True)
class ProfileSpec:
    fields: Tuple[ProfileField, ...]
    roles: Tuple[Choice, ...]
    zones: Tuple[Choice, ...]

    def field(self, field_id: str) -> ProfileField:
        """Return the profile field with this id."""
        return next(f for f in self.fields if f.id == field_id)

    @property
    def field_ids(self) -> Tuple[str, ...]:
        """The profile slots in asking order."""
        return tuple(f.id for f in self.fields)


@dataclass(frozen=True)
class Instrument:
    version: int
    citation: str
    citation_short: str
    scale: Scale
    open_rules: OpenQuestionRules
    levels: Tuple[Level, ...]
    profile: ProfileSpec
    themes: Tuple[Theme, ...]
    progress: Wording
    _items: Dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    def theme(self, theme_id: str) -> Theme:
        """Return the theme with this id (KeyError if unknown)."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)

    def theme_of_intent(self, intent: Optional[str]) -> Optional[str]:
        """The id of the theme whose intent this is (`theme_training` -> `training`), or None."""
        return next((theme.id for theme in self.themes if theme.intent_name == intent), None)

    def item(self, item_id: str) -> Item:
        """Return the item with this id (KeyError if unknown)."""
        return self._items[item_id]

    @property
    def items(self) -> Tuple[Item, ...]:
        """All items of all themes in asking order."""
        return tuple(item for theme in self.themes for item in theme.items)

    @property
    def theme_ids(self) -> Tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)

    def progress_mark(self, item: Item, language: str) -> str:
        """The mark that puts a question in its place within its theme, such as
        "(Training and development, 1 of 8)".

        A theme's own position is right however the user got there: a whole interview, a
        resumed one, or one theme chosen after describing a problem.
        """
        theme = self.theme(item.theme_id)
        position = [i.id for i in theme.items].index(item.id) + 1
        return self.progress.get(language).format(
            theme=theme.name.get(language), position=position, total=len(theme.items)
        )

    @property
    def open_item_ids(self) -> Tuple[str, ...]:
        """The ids of the themes' open questions (answered in words, not on the scale)."""
        return tuple(theme.open_item.id for theme in self.themes)

    def level_for(self, score: float) -> Level:
        """Return the readiness level that a 1-5 score falls in."""
        chosen = self.levels[0]
        for level in self.levels:
            if score >= level.lower_bound:
                chosen = level
        return chosen


def parse_wording(raw: object, where: str) -> Wording:
    """A Wording from `{en: ..., ms: ...}`; every language in LANGUAGES is required."""
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: needs a text per language {list(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang) or "").strip()]
    if missing:
        raise InstrumentError(f"{where}: no text in {missing}")
    unknown = set(raw) - set(LANGUAGES)
    if unknown:
        raise InstrumentError(f"{where}: unknown language(s) {sorted(unknown)}")
    # Spaces are tidied within each line; line breaks (a list in a `|` block) are kept.
    return Wording({lang: _tidy(str(text)) for lang, text in raw.items()})


@dataclass(frozen=True)
class Statement:
    """One thing Sedia says, in every language, with where it comes from."""

    wording: Wording
    provenance: Provenance

    def get(self, language: Optional[str] = None) -> str:
        """The text in `language` (English for an unknown one)."""
        return self.wording.get(language)


def _without_source(raw: object) -> object:
    return {k: v for k, v in raw.items() if k != "from"} if isinstance(raw, dict) else raw


def parse_statement(raw: object, where: str) -> Statement:
    """A Statement from `{en: ..., ms: ..., from: "study theme.2"}` (bot/core/provenance.py)."""
    source = raw.get("from") if isinstance(raw, dict) else None
    return Statement(parse_wording(_without_source(raw), where), parse_provenance(source, where))


def _tidy(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())


def _typed(raw: Optional[Mapping[str, Iterable[object]]]) -> Dict[str, Tuple[str, ...]]:
    return {lang: tuple(str(t).lower() for t in words) for lang, words in (raw or {}).items()}


def _item(raw: dict, theme_id: str, is_open: bool) -> Item:
    item_id = raw["id"]
    why = parse_statement(raw.get("why"), f"item {item_id} why")
    return Item(
        id=item_id,
        theme_id=theme_id,
        text=parse_wording(raw.get("text"), f"item {item_id} text"),
        why=why.wording,
        why_from=why.provenance,
        is_open=is_open,
        sub_theme=raw.get("sub_theme"),
        aspect=raw.get("aspect"),
    )


def _theme(raw: dict) -> Theme:
    theme_id = raw["id"]
    sub_themes = tuple(
        SubTheme(s["id"], parse_wording(s.get("name"), f"sub-theme {s['id']}")) for s in raw.get("sub_themes", [])
    )
    theme = Theme(
        id=theme_id,
        study_theme=int(raw["study_theme"]),
        name=parse_wording(raw.get("name"), f"theme {theme_id} name"),
        intro=parse_wording(raw.get("intro"), f"theme {theme_id} intro"),
        sub_themes=sub_themes,
        scale_items=tuple(_item(i, theme_id, False) for i in raw.get("items", [])),
        open_item=_item(raw["open"], theme_id, True),
    )
    _check_theme(theme)
    return theme


def _check_theme(theme: Theme) -> None:
    count = len(theme.scale_items)
    if not MIN_ITEMS_PER_THEME <= count <= MAX_ITEMS_PER_THEME:
        raise InstrumentError(
            f"theme {theme.id}: {count} statements, needs {MIN_ITEMS_PER_THEME} to {MAX_ITEMS_PER_THEME}"
        )
    sub_ids = {s.id for s in theme.sub_themes}
    if not sub_ids:
        raise InstrumentError(f"theme {theme.id}: no sub-themes")
    for item in theme.scale_items:
        if item.sub_theme not in sub_ids:
            raise InstrumentError(f"item {item.id}: unknown sub-theme {item.sub_theme!r}")
        if not item.aspect:
            raise InstrumentError(f"item {item.id}: needs an aspect")
    uncovered = sub_ids - {item.sub_theme for item in theme.scale_items}
    if uncovered:
        raise InstrumentError(f"theme {theme.id}: no item covers {sorted(uncovered)}")


def parse_instrument(raw: dict) -> Instrument:
    """Build and check an Instrument from the parsed YAML document."""
    scale_raw = raw["scale"]
    points = tuple(
        ScalePoint(
            value=int(p["value"]),
            label=parse_wording(p.get("label"), f"scale point {p.get('value')}"),
            typed=_typed(p.get("typed")),
        )
        for p in scale_raw["points"]
    )
    scale = Scale(
        id=scale_raw["id"],
        minimum=int(scale_raw["min"]),
        maximum=int(scale_raw["max"]),
        points=points,
        not_sure_label=parse_wording(scale_raw["not_sure"].get("label"), "scale not_sure"),
        not_sure_typed=_typed(scale_raw["not_sure"].get("typed")),
        hint=parse_wording(scale_raw.get("hint"), "scale hint"),
    )
    if [p.value for p in points] != list(range(scale.minimum, scale.maximum + 1)):
        raise InstrumentError("scale points must run from min to max in steps of 1")

    open_raw = raw["open_question"]
    open_rules = OpenQuestionRules(
        skip_typed=_typed(open_raw.get("skip_typed")),
        max_chars=int(open_raw["max_chars"]),
        hint=parse_wording(open_raw.get("hint"), "open_question hint"),
    )
    levels = tuple(
        Level(lv["id"], float(lv["from"]), parse_wording(lv.get("label"), f"level {lv['id']}")) for lv in raw["levels"]
    )
    bounds = [lv.lower_bound for lv in levels]
    if bounds != sorted(bounds) or bounds[0] != scale.minimum:
        raise InstrumentError("levels must ascend and the first must start at the scale minimum")

    prof = raw["profile"]
    profile = ProfileSpec(
        fields=tuple(
            ProfileField(
                f["id"],
                parse_wording(f.get("question"), f"profile {f['id']}"),
                parse_wording(f.get("hint"), f"profile {f['id']} hint"),
            )
            for f in prof["fields"]
        ),
        roles=tuple(Choice(r["id"], parse_wording(r.get("label"), f"role {r['id']}")) for r in prof["roles"]),
        zones=tuple(Choice(z["id"], parse_wording(z.get("label"), f"zone {z['id']}")) for z in prof["zones"]),
    )
    themes = tuple(_theme(t) for t in raw["themes"])
    items: Dict[str, Item] = {}
    for theme in themes:
        for item in theme.items:
            if item.id in items:
                raise InstrumentError(f"duplicate item id {item.id}")
            items[item.id] = item
    if len({t.id for t in themes}) != len(themes):
        raise InstrumentError("duplicate theme id")
    return Instrument(
        version=int(raw["version"]),
        citation=" ".join(str(raw["study"]["citation"]).split()),
        citation_short=str(raw["study"]["short"]),
        scale=scale,
        open_rules=open_rules,
        levels=levels,
        profile=profile,
        themes=themes,
        progress=parse_wording(raw["progress"], "progress"),
        _items=items,
    )


@lru_cache(maxsize=None)
def load_instrument(path: Optional[str] = None) -> Instrument:
    """Load the instrument from `path` (default: the packaged instrument.yml), cached."""
    source = Path(path) if path else INSTRUMENT_PATH
    with source.open(encoding="utf-8") as handle:
        return parse_instrument(yaml.safe_load(handle))
