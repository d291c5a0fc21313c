"""A metric that raises: the Evaluator names it and the method, and keeps the error's type.

Before: the error passed through bare (``ZeroDivisionError: division by zero``).
"""

from __future__ import annotations

from typing import Any

import pytest

from mmlight.evaluator import BaseMetric, Evaluator
from mmlight.evaluator.evaluator import METRIC_FAILURE_ATTR, MetricFailure


class _Count(BaseMetric):
    default_prefix = "count"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(n=len(results))


class _Broken(BaseMetric):
    default_prefix = "broken"

    def __init__(self, fail_in: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_in = fail_in

    def process(self, data_batch: Any, data_samples: Any) -> None:
        if self.fail_in == "process":
            raise KeyError("no 'pred' in the outputs")
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(ratio=len(results) / 0)


def test_failure_in_compute_metrics_names_the_metric_and_method() -> None:
    evaluator = Evaluator([_Count(), _Broken("compute")])
    evaluator.process([1, 2])
    with pytest.raises(ZeroDivisionError) as info:
        evaluator.evaluate(2)
    assert info.value.__notes__ == ["(raised by metric metrics[1] (_Broken).compute_metrics)"]
    site = getattr(info.value, METRIC_FAILURE_ATTR)
    assert site == MetricFailure(1, "_Broken", "compute_metrics")
    assert site.describe("val_evaluator[1]") == "val_evaluator[1] (_Broken).compute_metrics"


def test_failure_in_process_keeps_key_error() -> None:
    evaluator = Evaluator(_Broken("process"))
    with pytest.raises(KeyError, match="no 'pred'") as info:
        evaluator.process([1])
    assert info.value.__notes__ == ["(raised by metric metrics[0] (_Broken).process)"]
