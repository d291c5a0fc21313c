"""Exceptions of ``mmlight.evaluator``; each is the builtin type mmengine raises (or asserts)."""

from __future__ import annotations

from collections.abc import Sequence


class DuplicateMetricNameError(ValueError):
    """Two metrics of one Evaluator produced the same result key.

    Attributes: ``name`` (the clashing key) and ``metrics`` (descriptions of both producers).
    """

    def __init__(self, name: str, first: str, second: str) -> None:
        self.name = name
        self.metrics = (first, second)
        super().__init__(
            f"There are multiple evaluation results with the same metric name {name}: "
            f"{name!r} is produced by both {first} and {second}; an Evaluator needs unique "
            "names, so give the metrics different prefixes (prefix='...')"
        )


class MetricIndicatorError(ValueError):
    """``get_metric_value`` could not match the indicator to exactly one metric."""

    def __init__(self, message: str, indicator: str, candidates: Sequence[str]) -> None:
        self.indicator = indicator
        self.candidates = list(candidates)
        super().__init__(message)


class LengthMismatchError(ValueError, AssertionError):
    """``offline_evaluate`` got a different number of data samples and data items.

    mmengine asserts here, so this is an AssertionError as well as a ValueError.
    """


class MetricConfigError(TypeError):
    """An Evaluator entry is neither a metric, a torchmetrics metric nor a config dict."""


class PredictionFormatError(ValueError):
    """TorchMetricAdapter could not find ``update()``'s arguments in what the model returned."""


class TorchMetricArgumentError(ValueError):
    """A torchmetrics class rejected keyword arguments (torchmetrics raises ValueError).

    Attributes: ``type_name`` and ``unexpected`` (the rejected argument names).
    """

    def __init__(self, message: str, type_name: str, unexpected: Sequence[str]) -> None:
        self.type_name = type_name
        self.unexpected = list(unexpected)
        super().__init__(message)
