"""``runner.log_buffer`` as MMCV 1.x hooks know it: per-key value history, weighted averages.

MMCV 1.x runners pushed every iteration's ``log_vars`` (weighted by ``num_samples``) into a
``LogBuffer``; hooks averaged the recent window into ``output`` and flagged it ``ready``. MMEngine
replaced it with the message hub, so the runner view keeps one of these for 1.x hooks.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["LogBuffer"]


class LogBuffer:
    """Histories of logged values and their sample counts; ``average`` fills ``output``."""

    def __init__(self) -> None:
        self.val_history: OrderedDict[str, list[Any]] = OrderedDict()
        self.n_history: OrderedDict[str, list[int]] = OrderedDict()
        self.output: OrderedDict[str, Any] = OrderedDict()
        self.ready = False

    def clear(self) -> None:
        """Forget the histories and the output."""
        self.val_history.clear()
        self.n_history.clear()
        self.clear_output()

    def clear_output(self) -> None:
        """Forget the averaged output (a logger did this after writing it)."""
        self.output.clear()
        self.ready = False

    def update(self, vars: dict, count: int = 1) -> None:
        """Append each value with ``count`` (the number of samples it was measured on)."""
        if not isinstance(vars, dict):
            raise TypeError(f"LogBuffer.update expects a dict, got {type(vars).__name__}")
        for key, value in vars.items():
            self.val_history.setdefault(key, []).append(value)
            self.n_history.setdefault(key, []).append(count)

    def average(self, n: int = 0) -> None:
        """Sample-weighted mean of the latest ``n`` values of every key (all when ``n == 0``)."""
        if n < 0:
            raise ValueError(f"LogBuffer.average: n must be >= 0, got {n}")
        for key, history in self.val_history.items():
            values = [float(v) for v in history[-n:]]
            counts = self.n_history[key][-n:]
            self.output[key] = sum(v * c for v, c in zip(values, counts)) / sum(counts)
        self.ready = True
