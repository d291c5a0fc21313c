"""Hook priorities: the order in which the runner calls hooks at one mount point.

Lower values run earlier; hooks with equal priority run in registration order (the runner's
``register_hook`` keeps that order). ``Priority`` is a plain ``Enum``, as in mmengine, so
``Priority.NORMAL == 50`` is False: compare ``get_priority(...)`` results instead.
"""

from __future__ import annotations

import numbers
from enum import Enum

from mmlight.hooks.errors import InvalidPriorityError, UnknownPriorityError, did_you_mean

__all__ = ["Priority", "get_priority"]


class Priority(Enum):
    """Named priority levels; ``get_priority`` turns them into the ints the runner sorts by."""

    HIGHEST = 0
    VERY_HIGH = 10
    HIGH = 30
    ABOVE_NORMAL = 40
    NORMAL = 50
    BELOW_NORMAL = 60
    LOW = 70
    VERY_LOW = 90
    LOWEST = 100


_MIN, _MAX = Priority.HIGHEST.value, Priority.LOWEST.value


def _valid_choices() -> str:
    names = ", ".join(f"{p.name} ({p.value})" for p in Priority)
    return f"a Priority, one of its names ({names}) or an int from {_MIN} to {_MAX}"


def get_priority(priority: int | str | Enum) -> int:
    """The int value of ``priority``, given as an int in 0..100, a ``Priority`` or its name.

    Names are case-insensitive (``'normal'`` works), as in mmengine. A member of another
    package's ``Priority`` enum (mmengine's) counts by its value.

    Raises:
        InvalidPriorityError: an int outside 0..100 (a ValueError).
        UnknownPriorityError: a name that is not a ``Priority`` member (a KeyError and a
            ValueError).
        TypeError: anything else (bools included: ``True`` is not a priority).
    """
    if isinstance(priority, Priority):
        return priority.value
    if isinstance(priority, Enum) and type(priority).__name__ == "Priority":
        # another package's Priority (mmengine's, on a downstream hook): by its value
        return get_priority(priority.value)
    if isinstance(priority, numbers.Integral) and not isinstance(priority, bool):
        value = int(priority)
        if not _MIN <= value <= _MAX:
            raise InvalidPriorityError(
                f"priority must be between 0 and 100: hook priority {value} is out of range; "
                f"expected {_valid_choices()}"
            )
        return value
    if isinstance(priority, str):
        name = priority.strip().upper()
        if name in Priority.__members__:
            return Priority[name].value
        raise UnknownPriorityError(
            f"unknown hook priority {priority!r}"
            f"{did_you_mean(name, Priority.__members__)}; expected {_valid_choices()}"
        )
    raise TypeError(
        "priority must be an integer or Priority enum value: hook priority must be "
        f"{_valid_choices()}, but got {type(priority).__name__}: {priority!r}"
    )
