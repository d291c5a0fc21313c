"""Run a torchmetrics ``Metric`` (or ``MetricCollection``) as an mmengine-style metric.

An Evaluator wraps every torchmetrics object it is given in :class:`TorchMetricAdapter`,
so a config can say ``val_evaluator=dict(type='torchmetrics.classification.MulticlassAccuracy',
num_classes=10)``. The adapter's own keys (``ADAPTER_KEYS``) are split off such a dict; the
rest goes to the metric's constructor. To pass one of those names to the torchmetrics class
itself, nest it: ``dict(type='TorchMetricAdapter', metric=dict(type=..., prefix=...))``.

How model outputs become ``metric.update(...)`` arguments (``data_samples`` is what
``val_step``/``test_step`` returned):

* a **tuple** is the positional arguments of ``update``: ``(preds, target)``, or
  ``(preds, target, indexes)`` for retrieval metrics. This is what mmengine's tutorial
  models return.
* a **dict** holds batched values: ``preds = d[pred_key]``, ``target = d[target_key]``.
* a **list** holds one entry per sample: dicts (data elements are turned into dicts with
  ``to_dict()``) from which ``pred_key``/``target_key`` are read and then batched:
  equal-shape tensors are stacked (one-element 1-D tensors, like mmpretrain's ``gt_label``,
  are concatenated to shape ``(N,)``), numbers become a tensor, anything else (dicts of
  boxes, ragged tensors) stays a list, as detection metrics expect.
* a bare **tensor** (or a list of per-sample tensors) is the only argument, for metrics
  whose ``update`` takes one value (``MeanMetric``, ``SumMetric``, ...).

With ``pred_key``/``target_key`` left as None the first key present among
``DEFAULT_PRED_KEYS`` / ``DEFAULT_TARGET_KEYS`` is used; keys may be dotted paths into
nested dicts (``'gt_label.label'``). Override :meth:`TorchMetricAdapter.extract` for
anything else, e.g. reading targets from ``data_batch``.

Distributed runs: torchmetrics synchronises its own states in ``compute()``, so the adapter
never gathers results. It does remove sampler padding, like ``collect_results`` does: the
latest batch is held back until ``evaluate(size)``, which drops this rank's samples whose
dataset position (``k * world_size + rank`` for the k-th local sample) is ``>= size`` before
updating. An error raised by ``metric.update`` therefore shows up one batch late.

Results: a scalar tensor becomes a Python number, other tensors are returned on the CPU. A
dict result (``MetricCollection``, detection mAP) gives one key per entry; anything else is
reported under ``name`` (default: the metric's class name). ``prefix`` gives ``prefix/key``.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from mmlight.dist import get_dist_info
from mmlight.registry import METRICS
from mmlight.registry.errors import closest_names, did_you_mean

from ._torchmetrics_utils import (
    MISSING,
    as_dict,
    batch_len,
    collate,
    first_device,
    lookup,
    move,
    to_python,
)
from .errors import MetricConfigError, PredictionFormatError, TorchMetricArgumentError
from .metric import BaseMetric

logger = logging.getLogger(__name__)

__all__ = [
    "ADAPTER_KEYS",
    "DEFAULT_PRED_KEYS",
    "DEFAULT_TARGET_KEYS",
    "TorchMetricAdapter",
    "is_torchmetrics_class",
    "is_torchmetrics_metric",
    "split_adapter_cfg",
]

ADAPTER_KEYS = ("pred_key", "target_key", "name", "prefix")
DEFAULT_PRED_KEYS = ("pred", "preds", "pred_score", "pred_label")
DEFAULT_TARGET_KEYS = ("target", "targets", "gt_label", "label")


def _torchmetrics_bases() -> tuple[type, ...]:
    """``(Metric, MetricCollection)`` if torchmetrics was imported, else ``()``.

    Nothing can be a torchmetrics object before torchmetrics is imported, so this keeps
    ``import mmlight.evaluator`` from paying for the import.
    """
    module = sys.modules.get("torchmetrics")
    if module is None:
        return ()
    return (module.Metric, module.MetricCollection)


def is_torchmetrics_metric(obj: Any) -> bool:
    """True for torchmetrics ``Metric`` and ``MetricCollection`` instances."""
    bases = _torchmetrics_bases()
    return bool(bases) and isinstance(obj, bases)


def is_torchmetrics_class(obj: Any) -> bool:
    """True for subclasses of torchmetrics ``Metric`` or ``MetricCollection``."""
    bases = _torchmetrics_bases()
    return bool(bases) and inspect.isclass(obj) and issubclass(obj, bases)


def split_adapter_cfg(cfg: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a flat config into ``(metric_cfg, adapter_kwargs)`` by ``ADAPTER_KEYS``."""
    metric_cfg = {key: value for key, value in cfg.items() if key not in ADAPTER_KEYS}
    adapter_kwargs = {key: cfg[key] for key in ADAPTER_KEYS if key in cfg}
    return metric_cfg, adapter_kwargs


# Keyword arguments every torchmetrics Metric takes through ``**kwargs``.
_METRIC_BASE_KWARGS = (
    "compute_on_cpu",
    "dist_sync_on_step",
    "process_group",
    "dist_sync_fn",
    "distributed_available_fn",
    "sync_on_compute",
    "compute_with_cache",
)


def _build_torchmetric(cfg: Mapping[str, Any]) -> Any:
    """``METRICS.build(cfg)``, explaining torchmetrics' "Unexpected keyword arguments" error.

    torchmetrics classes take ``**kwargs`` and reject unknown ones with a bare ValueError, so
    the registry cannot name the typo; here the class signature supplies the suggestions.
    """
    try:
        return METRICS.build(cfg)
    except ValueError as err:
        if not str(err).startswith("Unexpected keyword arguments"):
            raise
        type_name = cfg.get("type")
        cls: Any = METRICS.get(type_name) if isinstance(type_name, str) else type_name
        try:
            params = inspect.signature(cls).parameters
        except (TypeError, ValueError):
            params = None
        if params is None:
            raise
        accepted = [
            name
            for name, p in params.items()
            if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        ] + list(_METRIC_BASE_KWARGS)
        unexpected = [k for k in cfg if k not in ("type", "_scope_") and k not in accepted]
        if not unexpected:
            raise
        problems = []
        for key in unexpected:
            hint = did_you_mean(closest_names(key, accepted + list(ADAPTER_KEYS), n=1))
            problems.append(f"{key!r}" + (f" ({hint})" if hint else ""))
        label = type_name if isinstance(type_name, str) else getattr(cls, "__name__", cls)
        raise TorchMetricArgumentError(
            f"{label} got unexpected keyword argument(s) {', '.join(problems)}. It accepts: "
            f"{', '.join(accepted)}; the adapter itself takes {', '.join(ADAPTER_KEYS)}.",
            type_name=str(label),
            unexpected=unexpected,
        ) from err


def _update_needs_target(metric: Any) -> bool:
    """Whether ``metric.update`` wants a target besides the predictions."""
    module = sys.modules.get("torchmetrics")
    if module is not None and isinstance(metric, module.MetricCollection):
        return any(_update_needs_target(m) for m in metric.values())
    try:
        params = inspect.signature(metric.update).parameters.values()
    except (TypeError, ValueError):
        return True
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    required = [p for p in params if p.kind in kinds and p.default is inspect.Parameter.empty]
    return len(required) >= 2


@METRICS.register_module()
class TorchMetricAdapter(BaseMetric):
    """Wrap a torchmetrics metric so an ``Evaluator`` can run it (see the module doc).

    Args:
        metric: a torchmetrics ``Metric``/``MetricCollection``, or a config dict for one
            (``type`` may be a dotted path such as
            ``'torchmetrics.classification.MulticlassAccuracy'``).
        pred_key: key (or dotted path) of the predictions in each data sample dict; None
            tries ``DEFAULT_PRED_KEYS``.
        target_key: key of the ground truth; None tries ``DEFAULT_TARGET_KEYS``.
        name: result key of a non-dict result; defaults to the metric's class name.
        prefix: put in front of every result key as ``'{prefix}/{key}'``.
    """

    _warn_without_prefix = False

    def __init__(
        self,
        metric: Any,
        pred_key: str | None = None,
        target_key: str | None = None,
        name: str | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device="cpu", prefix=prefix)
        if isinstance(metric, Mapping):
            metric = _build_torchmetric(metric)
        if not is_torchmetrics_metric(metric):
            raise MetricConfigError(
                "TorchMetricAdapter needs a torchmetrics Metric or MetricCollection (or a "
                f"config dict building one) as `metric`, got {type(metric).__name__}"
            )
        self.metric = metric
        self.pred_key = pred_key
        self.target_key = target_key
        self.name = name or type(metric).__name__
        self._needs_target = target_key is not None or _update_needs_target(metric)
        self._pending: tuple[tuple[Any, ...], int | None] | None = None
        self._seen = 0
        self._countable = True
        self._device: torch.device | None = None

    def __repr__(self) -> str:
        return f"TorchMetricAdapter({self.metric!r}, name={self.name!r}, prefix={self.prefix!r})"

    # ------------------------------------------------------------------ inputs
    def extract(self, data_batch: Any, data_samples: Any) -> tuple[Any, ...] | None:
        """The positional arguments for ``metric.update``, or None for an empty batch."""
        if isinstance(data_samples, tuple):
            return data_samples
        if isinstance(data_samples, torch.Tensor):
            return self._single_value(data_samples)
        if isinstance(data_samples, Mapping):
            return self._from_dicts([data_samples], batched=True)
        if isinstance(data_samples, Sequence) and not isinstance(data_samples, (str, bytes)):
            samples = [as_dict(sample) for sample in data_samples]
            if not samples:
                return None
            if all(isinstance(sample, Mapping) for sample in samples):
                return self._from_dicts(samples, batched=False)
            if all(isinstance(s, (torch.Tensor, bool, int, float)) for s in samples):
                return self._single_value(collate(samples))
        raise PredictionFormatError(
            f"{self._label()}: cannot read update() arguments from a "
            f"{type(data_samples).__name__}; return a tuple (preds, target), a dict of "
            "batched values, or a list of per-sample dicts from val_step/test_step"
        )

    def _single_value(self, value: Any) -> tuple[Any, ...]:
        if self._needs_target:
            raise PredictionFormatError(
                f"{self._label()}: got predictions without a target, but "
                f"{type(self.metric).__name__}.update needs both; return a tuple "
                "(preds, target) or dicts with prediction and target keys"
            )
        return (value,)

    def _from_dicts(self, samples: list[Mapping[str, Any]], batched: bool) -> tuple[Any, ...]:
        preds = self._read(samples, self.pred_key, DEFAULT_PRED_KEYS, "pred_key", batched)
        if not self._needs_target:
            return (preds,)
        target = self._read(samples, self.target_key, DEFAULT_TARGET_KEYS, "target_key", batched)
        return (preds, target)

    def _read(
        self,
        samples: list[Mapping[str, Any]],
        key: str | None,
        defaults: Sequence[str],
        argument: str,
        batched: bool,
    ) -> Any:
        candidates = [key] if key is not None else list(defaults)
        first = samples[0]
        chosen = next((c for c in candidates if lookup(first, c) is not MISSING), None)
        if chosen is None:
            tried = (
                f"{argument}={key!r}"
                if key is not None
                else (f"the default {argument}s {', '.join(map(repr, defaults))}")
            )
            raise PredictionFormatError(
                f"{self._label()}: {tried} not found in the "
                f"{'output dict' if batched else 'data samples'}, whose keys are "
                f"{sorted(map(str, first.keys()))}; set {argument}='...' on the metric"
            )
        values = [lookup(sample, chosen) for sample in samples]
        if any(value is MISSING for value in values):
            raise PredictionFormatError(
                f"{self._label()}: some data samples of the batch have no {chosen!r} key"
            )
        return values[0] if batched else collate(values)

    def _label(self) -> str:
        return f"TorchMetricAdapter({type(self.metric).__name__})"

    # ------------------------------------------------------------------ life cycle
    def process(self, data_batch: Any, data_samples: Any) -> None:
        args = self.extract(data_batch, data_samples)
        if args is None:
            return
        length = batch_len(args[0]) if args else None
        if length is None:
            self._countable = False
        self._flush()
        self._pending = (args, length)
        self._seen += length or 0

    def _update(self, args: tuple[Any, ...]) -> None:
        device = first_device(args[0]) if args else None
        if device is not None and device != self._device:
            # Keep the states where the predictions are: NCCL syncs only CUDA tensors.
            self.metric.to(device)
            self._device = device
        if self._device is not None:
            args = tuple(move(arg, self._device) for arg in args)
        self.metric.update(*args)

    def _flush(self, drop: int = 0) -> None:
        if self._pending is None:
            return
        args, length = self._pending
        self._pending = None
        if drop and length is not None and drop <= length:
            trimmed = []
            for arg in args:
                if batch_len(arg) == length:
                    trimmed.append(arg[: length - drop])
                else:
                    trimmed.append(arg)
            args, length = tuple(trimmed), length - drop
        elif drop:
            logger.warning(
                "%s: %d samples beyond the dataset size (sampler padding) were already "
                "counted and cannot be removed; the result includes them.",
                self._label(),
                drop,
            )
        if length != 0:
            self._update(args)

    def evaluate(self, size: int) -> dict:
        """Compute (torchmetrics syncs the ranks), format and reset; see the module doc."""
        if self._pending is None and self._seen == 0:
            logger.warning(
                "%s got no samples: check what val_step/test_step returns.", self._label()
            )
        drop = 0
        if self._countable:
            rank, world_size = get_dist_info()
            own = max(0, -(-(size - rank) // world_size))  # ceil without floats
            drop = max(0, self._seen - own)
        self._flush(drop)
        try:
            results = self.compute_metrics([])
        finally:
            self.reset()
        if self.prefix:
            results = {f"{self.prefix}/{key}": item for key, item in results.items()}
        return results

    def reset(self) -> None:
        """Forget everything processed so far (e.g. after an interrupted validation)."""
        self.metric.reset()
        self._pending = None
        self._seen = 0
        self._countable = True

    def compute_metrics(self, results: list) -> dict:
        """``metric.compute()`` as a result dict without prefix; ``results`` is unused.

        The accumulated state lives in the torchmetrics object, not in ``self.results``.
        """
        value = to_python(self.metric.compute())
        if isinstance(value, Mapping):
            return {str(key): item for key, item in value.items()}
        return {self.name: value}
