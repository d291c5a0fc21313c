"""``Evaluator``: feed each batch to several metrics and merge their results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from mmlight.registry import EVALUATOR, METRICS
from mmlight.utils.error_notes import set_note

from .errors import DuplicateMetricNameError, LengthMismatchError, MetricConfigError
from .metric import BaseMetric
from .torchmetrics_adapter import (
    TorchMetricAdapter,
    is_torchmetrics_class,
    is_torchmetrics_metric,
    split_adapter_cfg,
)

__all__ = ["METRIC_FAILURE_ATTR", "Evaluator", "MetricFailure", "build_metric"]


def build_metric(metric: Any) -> Any:
    """A metric object from a config dict, a BaseMetric or a torchmetrics metric.

    Config dicts go through ``METRICS.build``; a dict whose ``type`` is a torchmetrics
    class becomes a :class:`TorchMetricAdapter` (adapter keys split off, the rest builds
    the metric), and torchmetrics instances are wrapped as they are.
    """
    if isinstance(metric, BaseMetric):
        return metric
    if is_torchmetrics_metric(metric):
        return TorchMetricAdapter(metric)
    if isinstance(metric, Mapping):
        metric_type = metric.get("type")
        resolved = METRICS.get(metric_type) if isinstance(metric_type, str) else metric_type
        if "_scope_" not in metric and is_torchmetrics_class(resolved):
            metric_cfg, adapter_kwargs = split_adapter_cfg(metric)
            return TorchMetricAdapter(metric_cfg, **adapter_kwargs)
        built = METRICS.build(metric)
        return TorchMetricAdapter(built) if is_torchmetrics_metric(built) else built
    if callable(getattr(metric, "process", None)) and callable(getattr(metric, "evaluate", None)):
        return metric  # duck-typed metric, as mmengine accepts any object here
    raise MetricConfigError(
        "an evaluator metric must be a config dict, a BaseMetric or a torchmetrics Metric, "
        f"got {type(metric).__name__}: {metric!r:.200}"
    )


def _kind(metric: Any) -> str:
    if isinstance(metric, TorchMetricAdapter):
        return f"TorchMetricAdapter({type(metric.metric).__name__})"
    return type(metric).__name__


def _describe(index: int, metric: Any) -> str:
    prefix = getattr(metric, "prefix", None)
    return f"metrics[{index}] ({_kind(metric)}, prefix={prefix!r})"


@dataclass(frozen=True)
class MetricFailure:
    """Which metric of an :class:`Evaluator` raised, and in which method."""

    index: int
    kind: str
    method: str

    def describe(self, key: str | None = None) -> str:
        """``val_evaluator.metrics[0] (Acc).compute_metrics``-style, ``key`` being the
        metric's config key path when known."""
        return f"{key or f'metrics[{self.index}]'} ({self.kind}).{self.method}"


#: attribute of an exception raised by a metric: the :class:`MetricFailure`
METRIC_FAILURE_ATTR = "_mmlight_metric_failure"


def _failing_method(error: BaseException, metric: Any, called: str) -> str:
    """The metric's innermost method in ``error``'s traceback (``compute_metrics`` when
    ``evaluate`` failed there), else ``called``."""
    method = called
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_locals.get("self") is metric:
            method = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return method


def _note_metric_failure(error: BaseException, index: int, metric: Any, called: str) -> None:
    """Name the metric in ``error`` (its type is kept); the loop's failure context later
    adds the config key, stage and iteration (see ``mmlight.runner.failure_context``)."""
    if not isinstance(getattr(error, METRIC_FAILURE_ATTR, None), MetricFailure):
        site = MetricFailure(index, _kind(metric), _failing_method(error, metric, called))
        try:
            setattr(error, METRIC_FAILURE_ATTR, site)
        except AttributeError:
            return
        set_note(error, f"(raised by metric {site.describe()})")


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while True:
        chunk = [item for _, item in zip(range(size), items)]
        if not chunk:
            return
        yield chunk


def _keep_structure(data_samples: Any) -> Any:
    """What a TorchMetricAdapter gets: the model output as returned, elements as dicts.

    mmengine's Evaluator turns every output into a list; adapters need to tell a
    ``(preds, target)`` tuple from a list of per-sample outputs, so they see the original.
    """
    if isinstance(data_samples, tuple) and not hasattr(data_samples, "_fields"):
        return tuple(_to_dict(sample) for sample in data_samples)
    if isinstance(data_samples, list):
        return [_to_dict(sample) for sample in data_samples]
    return data_samples


def _to_dict(sample: Any) -> Any:
    # Duck-typed form of mmengine's BaseDataElement check, so mmlight.structures elements,
    # mmengine's, and anything else offering to_dict() are converted the same way.
    to_dict = getattr(sample, "to_dict", None)
    return to_dict() if callable(to_dict) else sample


@EVALUATOR.register_module()
class Evaluator:
    """Run several metrics over the same model outputs (mmengine's ``Evaluator``).

    Args:
        metrics: one metric or a sequence of them; each a config dict (built through
            ``METRICS``), a :class:`BaseMetric`, or a torchmetrics ``Metric`` /
            ``MetricCollection`` (wrapped in :class:`TorchMetricAdapter`).
    """

    def __init__(self, metrics: Any) -> None:
        self._dataset_meta: dict | None = None
        if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence):
            metrics = [metrics]
        self.metrics: list[BaseMetric] = [build_metric(metric) for metric in metrics]

    @property
    def dataset_meta(self) -> dict | None:
        """Dataset meta information; setting it passes it on to every metric."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta
        for metric in self.metrics:
            metric.dataset_meta = dataset_meta

    def process(self, data_samples: Sequence, data_batch: Any | None = None) -> None:
        """Hand one batch of model outputs to every metric.

        Outputs with a ``to_dict()`` method (mmengine-style data elements) reach the metrics
        as dicts. Note the argument order: outputs first, unlike ``BaseMetric.process``.
        """
        if not isinstance(data_samples, (tuple, list, Mapping, torch.Tensor)):
            data_samples = list(data_samples)  # a generator must survive two passes
        as_list = [_to_dict(sample) for sample in data_samples]
        for index, metric in enumerate(self.metrics):
            try:
                if isinstance(metric, TorchMetricAdapter):
                    metric.process(data_batch, _keep_structure(data_samples))
                else:
                    metric.process(data_batch, as_list)
            except Exception as error:
                _note_metric_failure(error, index, metric, "process")
                raise

    def evaluate(self, size: int) -> dict:
        """Evaluate every metric over the ``size`` samples of the dataset; merge the results.

        Raises:
            DuplicateMetricNameError: (a ValueError) two metrics produced the same key.
        """
        merged: dict[str, Any] = {}
        owner: dict[str, int] = {}
        for index, metric in enumerate(self.metrics):
            try:
                results = metric.evaluate(size)
            except Exception as error:
                _note_metric_failure(error, index, metric, "evaluate")
                raise
            for name, value in results.items():
                if name in merged:
                    raise DuplicateMetricNameError(
                        name,
                        _describe(owner[name], self.metrics[owner[name]]),
                        _describe(index, metric),
                    )
                merged[name] = value
                owner[name] = index
        return merged

    def offline_evaluate(
        self, data_samples: Sequence, data: Sequence | None = None, chunk_size: int = 1
    ) -> dict:
        """Evaluate saved predictions (e.g. from ``DumpResults``) without a model.

        ``data_samples`` (and ``data``, when given, which must be as long) are fed in chunks
        of ``chunk_size``; each chunk of ``data`` is combined with ``pseudo_collate``.
        """
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        if data is not None and len(data_samples) != len(data):
            raise LengthMismatchError(
                "data_samples and data should have the same length: offline_evaluate needs as "
                "many data items as data samples, got "
                f"{len(data_samples)} data samples and {len(data)} data items"
            )
        data_chunks = _chunks(iter(data), chunk_size) if data is not None else None
        collate = None
        if data_chunks is not None:
            from mmlight.dataset import pseudo_collate

            collate = pseudo_collate
        size = 0
        for chunk in _chunks(iter(data_samples), chunk_size):
            data_chunk = None
            if data_chunks is not None and collate is not None:
                data_chunk = collate(next(data_chunks))
            size += len(chunk)
            self.process(chunk, data_chunk)
        return self.evaluate(size)
