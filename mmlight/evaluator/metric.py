"""``BaseMetric``: accumulate per-batch results, gather them from all ranks, compute once.

The life cycle matches mmengine: ``process`` appends to ``self.results`` on every rank;
``evaluate(size)`` gathers every rank's list onto rank 0 (dataset order, sampler padding
dropped), runs ``compute_metrics`` there, prefixes the keys, broadcasts the dict to all
ranks and empties ``self.results``.
"""

from __future__ import annotations

import logging
import pickle
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

import torch

from mmlight.dist import broadcast_object_list, collect_results, is_main_process
from mmlight.dist.collect import check_collect_device
from mmlight.registry import METRICS

logger = logging.getLogger(__name__)


def _warn(message: str) -> None:
    """Warn in the run's log, as mmengine's metrics do (``print_log`` to the current logger)."""
    from mmlight.logging import print_log

    print_log(message, logger="current", level=logging.WARNING)

__all__ = ["BaseMetric", "DumpResults"]


class BaseMetric(metaclass=ABCMeta):
    """Base class of evaluation metrics (same arguments and life cycle as mmengine's).

    Args:
        collect_device: how results travel between ranks: 'cpu' (pickle files in a shared
            directory) or 'gpu' (through the communication backend; 'npu' is accepted too).
        prefix: put in front of every result key as ``'{prefix}/{key}'`` so that metrics of
            different evaluators do not clash; ``default_prefix`` is used when it is empty.
        collect_dir: directory shared by all ranks for 'cpu' collection (default: a fresh
            directory under ``.dist_test``); only valid with ``collect_device='cpu'``.
    """

    default_prefix: str | None = None
    # Subclasses that name their results unambiguously on their own can turn the
    # missing-prefix warning off.
    _warn_without_prefix: bool = True

    def __init__(
        self,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | None = None,
    ) -> None:
        check_collect_device(collect_device, "collect_device")
        if collect_dir is not None and collect_device != "cpu":
            raise ValueError(
                f"{type(self).__name__}: collect_dir={collect_dir!r} only works with "
                f"collect_device='cpu', got collect_device={collect_device!r}; remove "
                "collect_dir or collect on the cpu"
            )
        self._dataset_meta: dict | None = None
        self.collect_device = collect_device
        self.results: list[Any] = []
        self.prefix = prefix or self.default_prefix
        self.collect_dir = collect_dir
        if self.prefix is None and self._warn_without_prefix:
            _warn(
                f"The prefix is not set in metric class {type(self).__name__}: its result keys "
                "are not prefixed; set `default_prefix` on the class or pass prefix='...'."
            )

    @property
    def dataset_meta(self) -> dict | None:
        """Meta information of the evaluated dataset (class names, palette, ...)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta

    @abstractmethod
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Turn one batch of model outputs into entries of ``self.results``."""

    @abstractmethod
    def compute_metrics(self, results: list) -> dict:
        """Compute the metric dict from the results of the whole dataset (rank 0 only)."""

    def evaluate(self, size: int) -> dict:
        """Gather results from all ranks, compute on rank 0, and share the answer.

        Args:
            size: length of the whole dataset; gathered results beyond it are the padding
                a distributed sampler adds so that all ranks see as many samples, and are
                dropped.
        """
        if not self.results:
            _warn(
                f"{type(self).__name__} got empty `self.results`: make sure its `process` "
                "method appends the processed results to `self.results`."
            )
        if self.collect_device == "cpu":
            gathered = collect_results(self.results, size, "cpu", tmpdir=self.collect_dir)
        else:
            gathered = collect_results(self.results, size, self.collect_device)

        shared: list[dict | None] = [None]
        if is_main_process():
            computed = self.compute_metrics(_to_cpu(gathered))
            if self.prefix:
                computed = {f"{self.prefix}/{key}": value for key, value in computed.items()}
            shared[0] = computed
        broadcast_object_list(shared)
        self.results.clear()
        return shared[0]  # type: ignore[return-value]


def _to_cpu(data: Any) -> Any:
    """Move tensors (and data-element-like objects with ``to``) in nested containers to CPU."""
    if isinstance(data, torch.Tensor):
        return data.to("cpu")
    if callable(getattr(data, "to_dict", None)) and callable(getattr(data, "to", None)):
        return data.to("cpu")
    if isinstance(data, list):
        return [_to_cpu(item) for item in data]
    if isinstance(data, tuple):
        items = [_to_cpu(item) for item in data]
        return type(data)(*items) if hasattr(data, "_fields") else tuple(items)
    if isinstance(data, dict):
        return {key: _to_cpu(value) for key, value in data.items()}
    return data


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Save the raw model outputs to a pickle file, for evaluation later.

    The file is written through fsspec, so remote and ``memory://`` paths work; parent
    directories are created.

    Args:
        out_file_path: where to write; must end with '.pkl' or '.pickle'.
        collect_device: see :class:`BaseMetric`.
        collect_dir: see :class:`BaseMetric`.
    """

    def __init__(
        self, out_file_path: str, collect_device: str = "cpu", collect_dir: str | None = None
    ) -> None:
        super().__init__(collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith((".pkl", ".pickle")):
            raise ValueError(
                "The output file must be a pkl file. DumpResults writes a pickle file, so "
                f"out_file_path must end with '.pkl' or '.pickle'; got {out_file_path!r}"
            )
        self.out_file_path = str(out_file_path)

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        self.results.extend(_to_cpu(predictions))

    def compute_metrics(self, results: list) -> dict:
        import fsspec

        fs, path = fsspec.core.url_to_fs(self.out_file_path)
        parent = fs._parent(path)
        if parent:
            fs.makedirs(parent, exist_ok=True)
        with fs.open(path, "wb") as file:
            pickle.dump(results, file)
        from mmlight.logging import print_log

        # The run's log, where mmengine says it too (a module logger may reach no handler).
        print_log(f"Results has been saved to {self.out_file_path}.", logger="current")
        return {}
