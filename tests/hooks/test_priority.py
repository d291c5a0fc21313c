"""Priority enum and get_priority: values, accepted spellings, and errors that list choices."""

from __future__ import annotations

from enum import Enum

import numpy as np
import pytest

from mmlight.hooks.errors import InvalidPriorityError, UnknownPriorityError
from mmlight.hooks.priority import Priority, get_priority


def test_enum_values_match_mmengine_table() -> None:
    assert {p.name: p.value for p in Priority} == {
        "HIGHEST": 0,
        "VERY_HIGH": 10,
        "HIGH": 30,
        "ABOVE_NORMAL": 40,
        "NORMAL": 50,
        "BELOW_NORMAL": 60,
        "LOW": 70,
        "VERY_LOW": 90,
        "LOWEST": 100,
    }
    # a plain Enum, as in mmengine: members are not ints
    assert Priority.NORMAL != 50


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (0, 0),
        (100, 100),
        (55, 55),
        (np.int64(20), 20),
        (Priority.LOW, 70),
        ("VERY_LOW", 90),
        ("very_high", 10),
        ("Normal", 50),
        (" lowest ", 100),
    ],
)
def test_get_priority_accepts(given: object, expected: int) -> None:
    value = get_priority(given)  # type: ignore[arg-type]
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize("given", [-1, 101, 1000])
def test_out_of_range_int_is_a_value_error_naming_the_range(given: int) -> None:
    with pytest.raises(ValueError, match=rf"hook priority {given} is out of range; .*0 to 100"):
        get_priority(given)
    with pytest.raises(InvalidPriorityError):
        get_priority(given)


def test_unknown_name_is_a_key_error_with_a_suggestion_and_the_choices() -> None:
    with pytest.raises(KeyError) as info:
        get_priority("NORMLA")
    message = str(info.value)
    assert message.startswith("unknown hook priority 'NORMLA' (did you mean 'NORMAL'?)")
    assert "HIGHEST (0)" in message and "LOWEST (100)" in message
    # also a ValueError, and unquoted
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, UnknownPriorityError)
    assert not message.startswith('"')


@pytest.mark.parametrize("given", [1.5, None, True, ["LOW"]])
def test_other_types_are_type_errors(given: object) -> None:
    with pytest.raises(TypeError, match=r"hook priority must be a Priority, one of its names"):
        get_priority(given)  # type: ignore[arg-type]


def _foreign_priority() -> type[Enum]:
    class Priority(Enum):  # another package's enum of that name (mmengine's)
        LOW = 70
        ODD = 101

    return Priority


class Level(Enum):
    LOW = 70


def test_another_packages_priority_counts_by_its_value() -> None:
    # mmengine's hooks say ``priority = Priority.LOW`` with mmengine's own enum
    foreign = _foreign_priority()

    assert get_priority(foreign["LOW"]) == 70
    with pytest.raises(InvalidPriorityError, match="hook priority 101 is out of range"):
        get_priority(foreign["ODD"])
    with pytest.raises(TypeError, match="hook priority must be"):
        get_priority(Level.LOW)
