"""Stop at the first NaN or infinite loss instead of training on, and checkpointing, garbage.

MMEngine logs ``loss: nan`` and keeps going: the run ends with exit 0 and a "best" checkpoint
of a broken model. mmlight checks the values ``train_step`` returns (``log_vars``) right after
it returns, before any ``after_train_iter`` hook - so before ``CheckpointHook`` could save the
broken state - and by default raises :class:`NonFiniteLossError` naming the epoch, the
iteration and the non-finite keys (exit 1 in the CLIs).

Only keys whose name contains ``'loss'`` are checked: MMEngine's ``parse_losses`` optimises
the sum of exactly those; other logged values (an accuracy that is NaN on an empty batch) do
not stop a run. The check reads the loss values, never gradients: under AMP with a dynamic
loss scale an overflowing step is skipped by the scaler and the loss itself stays finite, so
such steps are normal and go on.

The switch is the top-level config key ``nonfinite_loss``:

* ``'error'`` (default): raise at the first non-finite loss;
* ``'warn'``: MMEngine's behaviour - log a warning (the 1st, 2nd, 4th, 8th... occurrence)
  and continue.

Under DDP/FSDP (in ``'error'`` mode) the processes agree with one small all-reduce per
iteration: averaged gradients carry one process's NaN into every process's weights, so every
process stops at that iteration - rank 0 too, before its CheckpointHook could save.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["NonFiniteLossError", "NonFiniteLossGuard", "nonfinite_losses"]


class NonFiniteLossError(FloatingPointError):
    """A training loss was NaN or infinite; training stopped before that state was saved."""

    locates_itself = True  # the message names epoch and iteration: no second location note


def _as_float(value: torch.Tensor) -> float:
    return float(value.detach().float().mean())


def nonfinite_losses(log_vars: Mapping[str, Any]) -> dict[str, float]:
    """The loss entries (key contains ``'loss'``) of ``log_vars`` that are NaN or infinite.

    A one-element CPU tensor is read directly (under a microsecond); the other floating
    tensors are checked together with one device sync. Entries that are neither floating
    tensors nor numbers are ignored.
    """
    bad: dict[str, float] = {}
    batched: list[tuple[str, torch.Tensor]] = []
    for key, value in log_vars.items():
        if "loss" not in key:
            continue
        if isinstance(value, torch.Tensor):
            if not value.is_floating_point():
                continue
            if value.numel() == 1 and value.device.type == "cpu":
                number = value.item()
                if not math.isfinite(number):
                    bad[key] = number
            else:
                batched.append((key, value))
        elif isinstance(value, (int, float)) and not math.isfinite(value):
            bad[key] = float(value)
    if batched and not _all_finite([tensor for _, tensor in batched]):
        for key, tensor in batched:
            if not bool(torch.isfinite(tensor.detach()).all()):
                bad[key] = _as_float(tensor)
    return bad


def _all_finite(tensors: list[torch.Tensor]) -> bool:
    """False if any element is NaN or infinite (or the sums overflow: then each is checked)."""
    sums = [tensor.detach().float().sum() for tensor in tensors]
    total = sums[0] if len(sums) == 1 else torch.stack([s.to(sums[0].device) for s in sums])
    return bool(torch.isfinite(total).all())


class NonFiniteLossGuard:
    """Applies the ``nonfinite_loss`` mode to each training iteration's ``log_vars``."""

    def __init__(self, mode: str = "error", logger: Any = None) -> None:
        from mmlight.runner.config_checks import require_valid

        require_valid("nonfinite_loss", mode)
        self.mode = mode
        self.logger = logger
        self.count = 0
        self._world_size: int | None = None

    @classmethod
    def for_runner(cls, runner: Any) -> NonFiniteLossGuard:
        """The guard the runner's config asks for (``cfg.nonfinite_loss``, default 'error')."""
        cfg_get = getattr(runner.cfg, "get", None)
        mode = cfg_get("nonfinite_loss", None) if cfg_get is not None else None
        return cls(mode or "error", getattr(runner, "logger", None))

    def check(self, outputs: Any, where: str | Any) -> None:
        """Raise (or warn) if ``outputs`` - ``train_step``'s log_vars - hold a non-finite loss.

        ``where`` is the position in words, or a callable making it (only called on failure).
        """
        if not isinstance(outputs, Mapping):
            return
        bad = nonfinite_losses(outputs)
        if self._world_size is None:  # known once training runs (the process group is up)
            from mmlight.dist import get_world_size

            self._world_size = get_world_size()
        elsewhere = (
            self.mode == "error" and self._world_size > 1 and _on_another_process(bool(bad))
        )
        if not bad and not elsewhere:
            return
        self.count += 1
        position = where() if callable(where) else where
        values = ", ".join(f"{key}={value}" for key, value in bad.items())
        if not bad:
            values = "on another process (this one's losses are finite)"
        if self.mode == "error":
            raise NonFiniteLossError(
                f"non-finite loss at {position}: {values}. Training stopped before any "
                "after_train_iter hook ran, so no checkpoint of this state was written. "
                "Lower the learning rate, clip gradients (optim_wrapper.clip_grad) or check "
                "the data; set nonfinite_loss='warn' in the config to log and continue as "
                "MMEngine does"
            )
        if self.count & (self.count - 1) == 0 and self.logger is not None:  # 1, 2, 4, 8...
            self.logger.warning(
                f"non-finite loss at {position}: {values} (occurrence {self.count}; "
                "continuing because nonfinite_loss='warn')"
            )


def _on_another_process(bad_here: bool) -> bool:
    """Whether another process of a distributed run saw a non-finite loss (one small
    all-reduce, every process calls it every iteration).

    Gradients are averaged across processes, so one process's NaN spoils every process's
    weights in the same step; all of them must stop before rank 0's CheckpointHook saves.
    """
    from mmlight.dist import all_reduce

    flag = torch.tensor([int(bad_here)], dtype=torch.int32)
    all_reduce(flag, op="max")
    return bool(flag.item()) and not bad_here
