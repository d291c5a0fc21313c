"""Runner-level checkpoint logic (placeholder: weights-only loading; the checkpoint issue
replaces this module with saving, exact resume and safe loading)."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["load_or_resume", "load_runner_checkpoint", "resume_runner", "save_runner_checkpoint"]


def load_or_resume(runner: Any) -> None:
    if runner._has_loaded:
        return
    if runner._resume:
        raise NotImplementedError("resume is not supported yet (checkpoint issue)")
    if runner._load_from is not None:
        runner.load_checkpoint(runner._load_from)
        runner._has_loaded = True


def load_runner_checkpoint(
    runner: Any, filename: str, map_location: Any = "cpu", strict: bool = False,
    revise_keys: Any = None,
) -> dict:
    checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    runner.call_hook("after_load_checkpoint", checkpoint=checkpoint)
    state = checkpoint.get("state_dict", checkpoint)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    runner.model.load_state_dict(state, strict=strict)
    return checkpoint


def resume_runner(runner: Any, filename: str, **kwargs: Any) -> None:
    raise NotImplementedError("resume is not supported yet (checkpoint issue)")


def save_runner_checkpoint(runner: Any, out_dir: str, filename: str, **kwargs: Any) -> None:
    raise NotImplementedError("save_checkpoint is not supported yet (checkpoint issue)")
