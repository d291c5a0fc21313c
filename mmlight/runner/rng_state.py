"""Per-process random number generator states, in a form a ``weights_only`` load reads.

Exact resume needs the generators where the interrupted run left them: Python's ``random``,
numpy's global generator, torch's CPU generator and every CUDA device's generator. The state
is plain data (tuples of ints, tensors), so it can sit in a checkpoint next to the weights.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch

__all__ = ["RngStateKeyError", "capture_rng_state", "restore_rng_state"]


class RngStateKeyError(KeyError):
    """A state without the generators :func:`restore_rng_state` needs."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def capture_rng_state() -> dict[str, Any]:
    """This process's generator states."""
    kind, keys, position, has_gauss, cached_gaussian = np.random.get_state(legacy=True)
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
        "cuda": None,
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = [torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put the generators back where :func:`capture_rng_state` saw them.

    CUDA states are restored for as many devices as both the state and this machine have.
    """
    missing = [key for key in ("python", "numpy", "torch") if key not in state]
    if missing:
        raise RngStateKeyError(
            f"restore_rng_state(): the state lacks {missing}; it must come from "
            f"capture_rng_state() (keys: python, numpy, torch, cuda), got keys {sorted(state)}"
        )
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    keys = numpy_state["keys"]
    keys = keys.numpy() if isinstance(keys, torch.Tensor) else np.asarray(keys)
    np.random.set_state(
        (
            numpy_state["bit_generator"],
            keys.astype(np.uint32),
            numpy_state["pos"],
            numpy_state["has_gauss"],
            numpy_state["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"].cpu())
    cuda_states = state.get("cuda")
    if cuda_states and torch.cuda.is_available():
        for index, cuda_state in enumerate(cuda_states[: torch.cuda.device_count()]):
            torch.cuda.set_rng_state(cuda_state.cpu(), index)
