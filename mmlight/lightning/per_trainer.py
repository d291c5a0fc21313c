"""Objects a Trainer binds to itself, made fresh for every Trainer of a Runner.

The Runner builds one Trainer per stage. A Lightning ``Strategy`` keeps the accelerator,
precision plugin and cluster environment of the first Trainer that used it, and a second
Trainer refuses it; plugins and accelerators end up inside that strategy too. Objects of
this kind given in ``runner.trainer_kwargs`` (the CLI's ``--trainer.strategy`` with a class,
the Python API) therefore reach the first Trainer as they are and every later Trainer as a copy
of their state before that first use. Loggers and callbacks are shared on purpose (one
logger for the whole run; a callback's counters span the stages), as when one Lightning
Trainer runs ``fit`` then ``validate``.
"""

from __future__ import annotations

import copy
import weakref
from typing import Any

__all__ = ["PER_TRAINER_KEYS", "fresh_for_trainer"]

# Trainer arguments whose objects must not be shared between two Trainers.
PER_TRAINER_KEYS = ("strategy", "accelerator", "plugins")

# object -> a copy taken before any Trainer used it.
_UNUSED_COPIES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _fresh(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        template = _UNUSED_COPIES.get(value)
    except TypeError:  # not weak-referenceable or not hashable: passed as it is
        return value
    if template is not None:
        return copy.deepcopy(template)
    _UNUSED_COPIES[value] = copy.deepcopy(value)
    return value


def fresh_for_trainer(key: str, value: Any) -> Any:
    """``value`` of Trainer argument ``key`` as one more Trainer may use it."""
    if key not in PER_TRAINER_KEYS:
        return value
    if isinstance(value, (list, tuple)):
        return [_fresh(item) for item in value]
    return _fresh(value)
