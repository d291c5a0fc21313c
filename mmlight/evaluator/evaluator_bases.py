"""Which classes count as an evaluator: mmlight's ``Evaluator`` and those a bridge adds.

An installed mmengine's ``Evaluator`` has the same life cycle (``dataset_meta``, ``process(
data_samples, data_batch)``, ``evaluate(size)``, a ``metrics`` list), so an mmengine evaluator
object (or a downstream subclass) runs in mmlight's val/test loops as it is. ``mmlight.bridge``
adds mmengine's class here once ``mmengine.evaluator`` is imported; this module imports nothing
of it.
"""

from __future__ import annotations

from mmlight.utils.accepted_bases import AcceptedBases

__all__ = [
    "BASES",
    "add_evaluator_base",
    "evaluator_bases",
    "is_evaluator",
    "remove_evaluator_base",
]


def _evaluator() -> type:
    from mmlight.evaluator.evaluator import Evaluator

    return Evaluator


BASES = AcceptedBases(_evaluator)

#: mmlight's ``Evaluator`` first, then the bases bridges added.
evaluator_bases = BASES.all
#: Accept instances of a base (and its subclasses) as evaluators.
add_evaluator_base = BASES.add
remove_evaluator_base = BASES.remove
#: Whether an object is an evaluator a val/test loop can drive directly.
is_evaluator = BASES.accepts
