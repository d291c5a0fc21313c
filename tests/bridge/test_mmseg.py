"""The registry bridge against the real mmsegmentation (installed by ``nox -s interop``).

mmseg's model and dataset modules import ``mmcv.ops``, which mmcv-lite lacks: these tests use the
registries whose ``locations`` import without it (metrics, hooks, optimizer constructors).
"""

from __future__ import annotations

import sys

import pytest

from mmlight.registry import (
    HOOKS,
    METRICS,
    OPTIM_WRAPPER_CONSTRUCTORS,
    DefaultScope,
    UnknownTypeError,
)

pytestmark = pytest.mark.interop

mmseg_registry = pytest.importorskip("mmseg.registry")


def test_default_scope_mmseg_builds_mmsegs_metric() -> None:
    from mmengine.evaluator import BaseMetric

    with DefaultScope.overwrite_default_scope("mmseg"):
        metric = METRICS.build(dict(type="IoUMetric", iou_metrics=["mIoU"]))

    assert type(metric).__module__ == "mmseg.evaluation.metrics.iou_metric"
    assert isinstance(metric, BaseMetric)
    assert "mmseg.evaluation" in sys.modules  # mmseg's METRICS location, imported on lookup


def test_mmseg_dot_names_from_mmlights_roots() -> None:
    hook = HOOKS.get("mmseg.SegVisualizationHook")
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.get("mmseg.LearningRateDecayOptimizerConstructor")

    assert hook is not None and hook.__module__.startswith("mmseg.engine.hooks")
    assert constructor is not None and constructor.__module__.startswith("mmseg.engine")


def test_a_typo_under_mmseg_suggests_mmsegs_name() -> None:
    with (
        DefaultScope.overwrite_default_scope("mmseg"),
        pytest.raises(
            UnknownTypeError,
            match=r"'IouMetric' is not in the mmseg::metric registry .*did you mean one of "
            r"'IoUMetric'",
        ),
    ):
        METRICS.build(dict(type="IouMetric"))


def test_mmsegs_registry_finds_an_mmlight_metric() -> None:
    @METRICS.register_module()
    class MmlightOnlyMetric:
        pass

    try:
        assert mmseg_registry.METRICS.get("MmlightOnlyMetric") is MmlightOnlyMetric
    finally:
        METRICS._module_dict.pop("MmlightOnlyMetric", None)
