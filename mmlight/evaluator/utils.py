"""Pick one value out of an Evaluator's result dict by full or bare metric name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import MetricIndicatorError

__all__ = ["get_metric_value"]


def get_metric_value(indicator: str, metrics: Mapping[str, Any]) -> Any:
    """The value of ``indicator`` in ``metrics``.

    An indicator with a '/' (``'coco/bbox_mAP'``) must be a key as it is; a bare name
    (``'bbox_mAP'``) matches the key whose last '/'-separated part it is, and must match
    exactly one. Raises a ValueError (``MetricIndicatorError``) listing the keys otherwise.
    """
    keys = list(metrics.keys())
    if "/" in indicator:
        if indicator in metrics:
            return metrics[indicator]
        raise MetricIndicatorError(
            f"The indicator {indicator!r} can not match any metric: it is not one of the "
            f"evaluation results {keys}",
            indicator,
            keys,
        )
    matched = [key for key in keys if key.split("/")[-1] == indicator]
    if not matched:
        raise MetricIndicatorError(
            f"The indicator {indicator!r} can not match any metric in {keys} "
            "(a bare name matches the part after the last '/')",
            indicator,
            keys,
        )
    if len(matched) > 1:
        raise MetricIndicatorError(
            f"The indicator {indicator!r} matches multiple metrics {matched}; "
            "write the full name with its prefix, e.g. "
            f"{matched[0]!r}",
            indicator,
            matched,
        )
    return metrics[matched[0]]
