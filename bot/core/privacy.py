"""Privacy rules shared by everything that shows numbers about groups (PDPA 2010)."""

from __future__ import annotations

from typing import Dict, Hashable, Iterable, List, Mapping, Set, Tuple, TypeVar

from bot.config.settings import min_group_size
from bot.core.messages import message

K = TypeVar("K", bound=Hashable)


def may_show(group_size: int) -> bool:
    """True when a group is large enough for its numbers to be shown."""
    return group_size >= min_group_size()


def suppressed_groups(sizes: Mapping[K, int], hidden_already: Iterable[K] = ()) -> Set[K]:
    """The groups whose numbers must not be shown, among groups that make up a shown total.

    Every group below the minimum size is suppressed. A total minus the shown groups gives
    the suppressed groups together, so while that remainder is itself a small group (one
    suppressed group, or several that add up to fewer than the minimum), the smallest shown
    group is suppressed too. Ties go by the group's name, so the choice is stable.
    `hidden_already` are groups suppressed for another reason; they count towards the
    remainder.
    """
    smallest = min_group_size()
    hidden = {group for group, size in sizes.items() if size < smallest}
    hidden |= {group for group in hidden_already if group in sizes}
    if not hidden:
        return hidden
    remainder = sum(sizes[group] for group in hidden)
    shown = sorted((g for g in sizes if g not in hidden), key=lambda g: (sizes[g], str(g)))
    while 0 < remainder < smallest and shown:
        group = shown.pop(0)
        hidden.add(group)
        remainder += sizes[group]
    return hidden


def suppression_note(language: str = "en") -> str:
    """What a suppressed number says instead, e.g. "fewer than 5 respondents"."""
    return message("privacy.fewer_than", language, minimum=min_group_size())


R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


def suppressed_cells(
    sizes: Mapping[Tuple[R, C], int],
    hidden_already: Iterable[Tuple[R, C]] = (),
    rows: bool = True,
    columns: bool = True,
) -> Set[Tuple[R, C]]:
    """The cells of a two-way table (say institution by month) that must not be shown.

    The rule of `suppressed_groups` holds along every row whose total is published
    (`rows`) and every column whose total is published (`columns`): it is applied line by
    line, again and again, until no line changes, because hiding a cell to protect its row
    can leave its column with a small remainder.
    """
    hidden = {cell for cell in hidden_already if cell in sizes}
    lines: Dict[Tuple[int, Hashable], List[Tuple[R, C]]] = {}
    for cell in sizes:
        if rows:
            lines.setdefault((0, cell[0]), []).append(cell)
        if columns:
            lines.setdefault((1, cell[1]), []).append(cell)
    changed = True
    while changed:
        changed = False
        for line in lines.values():
            found = suppressed_groups({cell: sizes[cell] for cell in line}, hidden.intersection(line))
            if not found <= hidden:
                hidden |= found
                changed = True
    return hidden
