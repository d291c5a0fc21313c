"""Lightning's progress bar for MMEngine runs (placeholder: off; the logs issue fills it in)."""

from __future__ import annotations

from typing import Any

__all__ = ["progress_trainer_kwargs"]


def progress_trainer_kwargs(runner: Any) -> dict[str, Any]:
    return dict(enable_progress_bar=False)
