"""``mmlight.evaluator.evaluator_bases``: which objects the val/test loops take as evaluators."""

from __future__ import annotations

from typing import Any

import pytest
from torch.utils.data import DataLoader

from mmlight.evaluator import Evaluator
from mmlight.evaluator.evaluator_bases import (
    add_evaluator_base,
    evaluator_bases,
    is_evaluator,
    remove_evaluator_base,
)
from mmlight.runner.loops import ValLoop


class ForeignEvaluator:
    """An evaluator class from another library (as mmengine's, for the bridge)."""

    def __init__(self) -> None:
        self.metrics: list = []
        self.dataset_meta: Any = None


def test_mmlights_evaluator_always_and_added_bases_until_removed() -> None:
    assert is_evaluator(Evaluator([]))
    assert not is_evaluator(ForeignEvaluator())
    before = evaluator_bases()  # (a bridge may have added mmengine's in this process)
    add_evaluator_base(ForeignEvaluator)
    try:
        add_evaluator_base(ForeignEvaluator)  # twice: listed once
        assert evaluator_bases() == (*before, ForeignEvaluator)
        assert evaluator_bases()[0] is Evaluator
        assert is_evaluator(ForeignEvaluator())
    finally:
        remove_evaluator_base(ForeignEvaluator)
    assert evaluator_bases() == before
    assert not is_evaluator(ForeignEvaluator())


class _Runner:
    world_size = 1


def test_a_val_loop_takes_an_added_bases_object_and_refuses_it_otherwise() -> None:
    foreign = ForeignEvaluator()
    with pytest.raises(TypeError, match="val_evaluator must be a dict, a list or an Evaluator"):
        ValLoop(_Runner(), DataLoader([0, 1]), foreign)  # type: ignore[arg-type]
    add_evaluator_base(ForeignEvaluator)
    try:
        assert ValLoop(_Runner(), DataLoader([0, 1]), foreign).evaluator is foreign  # type: ignore[arg-type]
    finally:
        remove_evaluator_base(ForeignEvaluator)
