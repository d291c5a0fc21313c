"""Process-level settings for data loading workers (mmengine.utils.dl_utils.setup_env)."""

from __future__ import annotations

import os
import platform
import warnings

import torch.multiprocessing as mp

__all__ = ["set_multi_processing"]


def _limit_threads_per_process(var: str) -> None:
    """One thread per process unless the user chose: ranks x threads would oversubscribe."""
    if var in os.environ:
        return
    warnings.warn(
        f"Setting {var} environment variable for each process to be 1 in default, to avoid "
        "your system being overloaded, please further tune the variable for optimal "
        "performance in your application as needed.",
        stacklevel=3,
    )
    os.environ[var] = "1"


def set_multi_processing(
    mp_start_method: str = "fork", opencv_num_threads: int = 0, distributed: bool = False
) -> None:
    """Set the start method of worker processes, OpenCV's thread count and, when
    ``distributed``, OMP/MKL threads per process (each only if not set in the environment).

    A start method that differs from one already set is replaced, with a warning.
    """
    if platform.system() != "Windows":
        current = mp.get_start_method(allow_none=True)
        if current is not None and current != mp_start_method:
            warnings.warn(
                f"Multi-processing start method `{mp_start_method}` is different from the "
                f"previous setting `{current}`.It will be force set to `{mp_start_method}`. "
                "You can change this behavior by changing `mp_start_method` in your config.",
                stacklevel=2,
            )
        mp.set_start_method(mp_start_method, force=True)
    try:
        import cv2
    except ImportError:
        pass
    else:
        # OpenCV's own threads inside every worker overload the machine.
        cv2.setNumThreads(opencv_num_threads)
    if distributed:
        _limit_threads_per_process("OMP_NUM_THREADS")
        _limit_threads_per_process("MKL_NUM_THREADS")
