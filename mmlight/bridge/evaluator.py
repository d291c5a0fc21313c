"""mmengine's ``Evaluator`` accepted wherever mmlight takes an evaluator object.

mmengine's ``BaseMetric`` subclasses need nothing: mmlight's ``Evaluator`` drives any object with
``process`` and ``evaluate`` (as mmengine's does), and a config naming one resolves through the
registry bridge. An mmengine ``Evaluator`` object (``val_evaluator=Evaluator([...])``, or one a
downstream ``EVALUATOR`` builds) is a different class, so ``mmlight.evaluator.evaluator_bases``
takes it once ``mmengine.evaluator.evaluator`` is imported (an object of it cannot exist before;
importing it here would load mmengine's evaluator and dist code into runs that never use one).
"""

from __future__ import annotations

import sys

from mmlight.bridge.import_watch import after_import, is_imported

__all__ = ["MMENGINE_EVALUATOR_MODULE", "install", "uninstall"]

MMENGINE_EVALUATOR_MODULE = "mmengine.evaluator.evaluator"


def _accept_mmengine_evaluators() -> None:
    from mmlight.evaluator.evaluator_bases import add_evaluator_base

    add_evaluator_base(sys.modules[MMENGINE_EVALUATOR_MODULE].Evaluator)


def install() -> None:
    """Accept mmengine's evaluators once their class is imported (now, if it is)."""
    after_import(MMENGINE_EVALUATOR_MODULE, _accept_mmengine_evaluators)


def uninstall() -> None:
    """mmlight's own evaluator only, again."""
    if is_imported(MMENGINE_EVALUATOR_MODULE) and is_imported("mmlight.evaluator.evaluator_bases"):
        from mmlight.evaluator.evaluator_bases import remove_evaluator_base

        remove_evaluator_base(sys.modules[MMENGINE_EVALUATOR_MODULE].Evaluator)
