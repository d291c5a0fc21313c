"""Metrics and the Evaluator, as ``mmengine.evaluator``, plus torchmetrics support.

Importing this package registers ``Evaluator`` (EVALUATOR), ``DumpResults`` and
``TorchMetricAdapter`` (METRICS). torchmetrics itself is only imported when a config names
one of its classes.
"""

from .errors import (
    DuplicateMetricNameError,
    LengthMismatchError,
    MetricConfigError,
    MetricIndicatorError,
    PredictionFormatError,
    TorchMetricArgumentError,
)
from .evaluator import Evaluator, build_metric
from .metric import BaseMetric, DumpResults
from .torchmetrics_adapter import (
    ADAPTER_KEYS,
    DEFAULT_PRED_KEYS,
    DEFAULT_TARGET_KEYS,
    TorchMetricAdapter,
    is_torchmetrics_class,
    is_torchmetrics_metric,
)
from .utils import get_metric_value

__all__ = [
    "ADAPTER_KEYS",
    "DEFAULT_PRED_KEYS",
    "DEFAULT_TARGET_KEYS",
    "BaseMetric",
    "DumpResults",
    "DuplicateMetricNameError",
    "Evaluator",
    "LengthMismatchError",
    "MetricConfigError",
    "MetricIndicatorError",
    "PredictionFormatError",
    "TorchMetricAdapter",
    "TorchMetricArgumentError",
    "build_metric",
    "get_metric_value",
    "is_torchmetrics_class",
    "is_torchmetrics_metric",
]
