"""Whether code runs under ``torch.jit.trace`` (mmengine.utils.dl_utils.trace)."""

from __future__ import annotations

import torch

__all__ = ["is_jit_tracing"]


def is_jit_tracing() -> bool:
    """True while ``torch.jit.trace`` records the calling code, so it can skip Python-only paths."""
    return bool(torch.jit.is_tracing())
