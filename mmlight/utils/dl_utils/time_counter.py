"""Average running time of a function or block, logged every few runs
(mmengine.utils.dl_utils.time_counter)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar

import torch

from mmlight.device import is_cuda_available, is_musa_available
from mmlight.dist.utils import is_main_process
from mmlight.logging import MMLogger, print_log

__all__ = ["TimeCounter"]


def _synchronize() -> None:
    """Wait for queued device work so the measured time includes it."""
    if is_cuda_available():
        torch.cuda.synchronize()
    elif is_musa_available():
        torch.musa.synchronize()  # type: ignore[attr-defined]


class TimeCounter:
    """Decorator or context manager that logs the mean time per run.

    The first ``warmup_interval - 1`` runs are not timed; every ``log_interval`` runs the
    average so far is logged as ``[tag]-time per run averaged in the past N runs: X ms``.
    Counters with the same ``tag`` are one shared object (as in mmengine), so a block inside a
    loop accumulates across iterations. Only the main process times and logs; on other ranks a
    decorated function runs untimed (mmengine turns it into None there).
    """

    instance_dict: ClassVar[dict[str | None, TimeCounter]] = {}

    log_interval: int
    warmup_interval: int
    with_sync: bool
    tag: str | None
    logger: MMLogger | None
    _count: int
    _pure_inf_time: float
    _start_time: float

    def __new__(
        cls,
        log_interval: int = 1,
        warmup_interval: int = 1,
        with_sync: bool = True,
        tag: str | None = None,
        logger: MMLogger | None = None,
    ) -> TimeCounter:
        if warmup_interval < 1:
            raise AssertionError(f"warmup_interval must be at least 1, but got {warmup_interval}")
        if tag is not None and tag in cls.instance_dict:
            return cls.instance_dict[tag]
        counter = super().__new__(cls)
        cls.instance_dict[tag] = counter
        counter.log_interval = log_interval
        counter.warmup_interval = warmup_interval
        counter.with_sync = with_sync
        counter.tag = tag
        counter.logger = logger
        counter._count = 0
        counter._pure_inf_time = 0.0
        counter._start_time = 0.0
        return counter

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not is_main_process():
            return fn
        if self.tag is None:
            self.tag = fn.__name__

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._count += 1
            if self.with_sync:
                _synchronize()
            start = time.perf_counter()
            result = fn(*args, **kwargs)
            if self.with_sync:
                _synchronize()
            self.print_time(time.perf_counter() - start)
            return result

        return timed

    def __enter__(self) -> None:
        if not is_main_process():
            return
        if self.tag is None:
            raise AssertionError(
                "In order to clearly distinguish printing information in different contexts, "
                "please specify the tag parameter"
            )
        self._count += 1
        if self.with_sync and torch.cuda.is_available():
            torch.cuda.synchronize()
        self._start_time = time.perf_counter()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not is_main_process():
            return
        if self.with_sync and torch.cuda.is_available():
            torch.cuda.synchronize()
        self.print_time(time.perf_counter() - self._start_time)

    def print_time(self, elapsed: float) -> None:
        """Add one run's ``elapsed`` seconds (after warm-up) and log the mean when due."""
        if self._count < self.warmup_interval:
            return
        self._pure_inf_time += elapsed
        if self._count % self.log_interval == 0:
            per_run_ms = 1000 * self._pure_inf_time / (self._count - self.warmup_interval + 1)
            print_log(
                f"[{self.tag}]-time per run averaged in the past {self._count} runs: "
                f"{per_run_ms:.1f} ms",
                self.logger,
            )
