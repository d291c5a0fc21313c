"""``NPUProfilerHook``: record an Ascend NPU (CANN) profile of a range of training iterations.

mmengine's hook of the same name, with its keyword-only arguments: the profiler
(``torch_npu.npu.profile``) is entered before iteration ``begin`` and left after iteration
``end - 1``, then the process exits when ``exit_after_profiling``. It needs Ascend's
``torch_npu`` plugin; without it, building the hook raises an ``ImportError`` that says so
(mmengine's wording, "Failed to import torch_npu module", is part of the message).
"""

from __future__ import annotations

import os
import os.path as osp
import sys
from typing import Any

from mmlight.dist import master_only
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["NPUProfilerHook"]


def _import_torch_npu() -> Any:
    """Ascend's plugin, or an ``ImportError`` saying what to install."""
    try:
        import torch_npu
    except ImportError as err:
        raise ImportError(
            "Failed to import torch_npu module: NPUProfilerHook needs Ascend's PyTorch plugin "
            "(`pip install torch-npu` on a machine with Ascend NPUs and the CANN toolkit)"
        ) from err
    return torch_npu


@HOOKS.register_module()
class NPUProfilerHook(Hook):
    """Profile training iterations ``[begin, end)`` on an Ascend NPU.

    Args:
        begin: first profiled iteration.
        end: one past the last profiled iteration (must exceed ``begin``).
        result_path: directory the CANN profile is written to (created if missing).
        exit_after_profiling: end the process once the profile is written.
        use_e2e_profiler: also record PyTorch-level data (end-to-end profile).
        ge_profiling_to_std_out: set ``GE_PROFILING_TO_STD_OUT=1`` (host-side scheduling).
    """

    priority = "VERY_LOW"

    def __init__(
        self,
        *,
        begin: int = 0,
        end: int = 1,
        result_path: str = "cann_profiling",
        exit_after_profiling: bool = True,
        use_e2e_profiler: bool = False,
        ge_profiling_to_std_out: bool = False,
    ) -> None:
        torch_npu = _import_torch_npu()
        if begin >= end:
            raise ValueError(
                f"NPUProfilerHook: the iteration to start profiling should not be greater than or "
                f"equal to profile end (begin={begin}, end={end})"
            )
        self.begin = begin
        self.end = end
        self.result_path = result_path
        self.exit_after_profiling = exit_after_profiling
        if ge_profiling_to_std_out:
            os.environ["GE_PROFILING_TO_STD_OUT"] = "1"
        if not osp.exists(result_path):
            os.makedirs(result_path, exist_ok=True)
        self.profiler = torch_npu.npu.profile(result_path, use_e2e_profiler=use_e2e_profiler)

    @master_only
    def before_run(self, runner: Any) -> None:
        """Refuse a profile range that ends after training does."""
        if self.end > runner.max_iters:
            raise ValueError(
                f"NPUProfilerHook: the profiling end iteration should not be greater than the max "
                f"iteration (end={self.end}, max_iters={runner.max_iters})"
            )

    @master_only
    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        """Start recording at iteration ``begin``."""
        if runner.iter == self.begin:
            self.profiler.__enter__()
            runner.logger.info("NPUProfiler starts profiling...")

    @master_only
    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, outputs: Any = None
    ) -> None:
        """Stop (and write the profile) after iteration ``end - 1``."""
        if runner.iter == self.end - 1:
            runner.logger.info("profiler may take a few minutes to save the profiling result.")
            self.profiler.__exit__(None, None, None)
            if self.exit_after_profiling:
                sys.exit()
