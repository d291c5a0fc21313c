"""AMP optim wrappers -> Lightning precision (placeholder: full precision)."""

from __future__ import annotations

from typing import Any

__all__ = ["precision_trainer_kwargs"]


def precision_trainer_kwargs(optim_wrapper: Any) -> dict[str, Any]:
    return {}
