"""The minimum group size and complementary suppression (the subtraction attack)."""

from __future__ import annotations

import random

import pytest

from bot.config.settings import min_group_size
from bot.core.privacy import suppressed_groups, suppression_note


def test_nothing_is_hidden_when_every_group_is_large_enough():
    assert suppressed_groups({"a": 5, "b": 9}) == set()


def test_a_lone_small_group_takes_the_smallest_other_group_with_it():
    # Shown: total 20, a 9, c 8 -> b = 3 would follow by subtraction; so c goes too.
    assert suppressed_groups({"a": 9, "b": 3, "c": 8}) == {"b", "c"}


def test_small_groups_that_together_reach_the_minimum_are_enough():
    assert suppressed_groups({"a": 10, "b": 3, "c": 2}) == {"b", "c"}


def test_small_groups_below_the_minimum_together_take_more():
    assert suppressed_groups({"a": 10, "b": 2, "c": 1, "d": 6}) == {"b", "c", "d"}


def test_ties_are_broken_by_name_so_the_choice_is_stable():
    assert suppressed_groups({"y": 7, "x": 7, "s": 1}) == {"s", "x"}


def test_groups_hidden_for_another_reason_count_towards_the_remainder():
    assert suppressed_groups({"a": 8, "b": 6, "c": 9}, hidden_already={"b"}) == {"b"}
    assert suppressed_groups({"a": 8, "b": 2, "c": 9}, hidden_already={"a"}) == {"a", "b"}


def test_when_everything_is_small_everything_is_hidden():
    assert suppressed_groups({"a": 1, "b": 2}) == {"a", "b"}


@pytest.mark.parametrize("seed", range(200))
def test_no_subtraction_reveals_a_small_group(seed):
    rng = random.Random(seed)
    sizes = {f"g{n}": rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 13, 40]) for n in range(rng.randint(1, 7))}
    hidden = suppressed_groups(sizes)
    smallest = min_group_size()
    assert all(sizes[g] >= smallest for g in sizes if g not in hidden)
    if sum(sizes.values()) < smallest:
        # The total is itself too small to be shown (callers suppress it), so is every group.
        assert hidden == set(sizes)
        return
    # total - shown groups = the hidden groups together: none, or at least the minimum.
    remainder = sum(sizes[g] for g in hidden)
    assert remainder == 0 or remainder >= smallest


def test_the_minimum_is_configurable_and_never_below_two(monkeypatch):
    monkeypatch.setenv("SEDIA_MIN_GROUP_SIZE", "3")
    assert suppressed_groups({"a": 3, "b": 4}) == set()
    assert suppression_note() == "fewer than 3 respondents"
    assert suppression_note("ms") == "kurang daripada 3 responden"
    monkeypatch.setenv("SEDIA_MIN_GROUP_SIZE", "1")
    with pytest.raises(ValueError):
        min_group_size()
