"""get_metric_value: full names, bare names, and the errors."""

from __future__ import annotations

import pytest

from mmlight.evaluator import MetricIndicatorError, get_metric_value

METRICS = {"coco/bbox_mAP": 0.5, "coco/segm_mAP": 0.4, "voc/mAP": 0.7, "acc": 0.9}


def test_full_name() -> None:
    assert get_metric_value("coco/bbox_mAP", METRICS) == 0.5


def test_bare_name_matches_last_part() -> None:
    assert get_metric_value("bbox_mAP", METRICS) == 0.5
    assert get_metric_value("acc", METRICS) == 0.9


def test_unknown_full_name() -> None:
    with pytest.raises(ValueError, match=r"The indicator 'coco/AP' can not match any metric: "
                       r"it is not one of the evaluation results"):
        get_metric_value("coco/AP", METRICS)


def test_unknown_bare_name() -> None:
    with pytest.raises(MetricIndicatorError, match=r"The indicator 'AP' can not match any"):
        get_metric_value("AP", METRICS)


def test_ambiguous_bare_name() -> None:
    metrics = {"a/mAP": 1, "b/mAP": 2}
    with pytest.raises(
        ValueError, match=r"'mAP' matches multiple metrics \['a/mAP', 'b/mAP'\]"
    ) as info:
        get_metric_value("mAP", metrics)
    assert info.value.candidates == ["a/mAP", "b/mAP"]  # type: ignore[attr-defined]
