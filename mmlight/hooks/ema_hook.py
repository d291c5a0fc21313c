"""``EMAHook``: keep an averaged copy of the model, evaluate and checkpoint with it.

Same arguments, mount points and checkpoint layout as mmengine's ``EMAHook``:

- training updates the average after every iteration (from ``begin_iter``/``begin_epoch`` on;
  before that the average just copies the model);
- validation and test run with the averaged weights: they are swapped into the model at the
  start of the epoch and swapped back at its end;
- a checkpoint's ``state_dict`` holds the *averaged* weights (ready for deployment) and
  ``ema_state_dict`` the averaged model's state with the *raw* weights in its ``module.*``
  entries; resuming swaps them back.

Unlike mmengine, the averaged copy follows the model to its device: the hook builds it in
``before_run``, before Lightning moves the model, so it would otherwise stay on the CPU.
"""

from __future__ import annotations

import copy
import itertools
import logging
from collections.abc import Iterator
from typing import Any

from torch import Tensor, nn

from mmlight.hooks.errors import HookArgumentError, HookArgumentTypeError
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS, MODELS

__all__ = ["EMAHook"]

_PREFIX = "module."


class EMAArgumentError(HookArgumentError, AssertionError):
    """A bad ``EMAHook`` argument (mmengine asserts, so AssertionError is kept)."""


class EMACheckpointKeyError(KeyError):
    """``ema_state_dict`` names a weight the checkpoint's ``state_dict`` lacks."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _check_begin(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise HookArgumentTypeError(f"EMAHook: {name} must be an int, got {value!r}")
    if value < 0:
        raise EMAArgumentError(
            f"EMAHook: `{name}` must be larger than or equal to 0, but got {name}: {value}"
        )
    return value


@HOOKS.register_module()
class EMAHook(Hook):
    """Exponential moving average (or another averaging) of the model's weights.

    Args:
        ema_type: name in ``MODELS`` of the averaged-model class
            (``ExponentialMovingAverage``, ``MomentumAnnealingEMA``, ``StochasticWeightAverage``).
        strict_load: load checkpoint weights into the averaged model strictly.
        begin_iter: start averaging at this iteration (0-based count of finished ones).
        begin_epoch: start averaging at this epoch; only one of the two may be non-zero.
        **kwargs: passed to the averaged model (``momentum``, ``interval``, ``update_buffers``,
            ``device``, ``gamma``...).
    """

    priority = "NORMAL"

    def __init__(
        self,
        ema_type: str = "ExponentialMovingAverage",
        strict_load: bool = False,
        begin_iter: int = 0,
        begin_epoch: int = 0,
        **kwargs: Any,
    ) -> None:
        begin_iter = _check_begin("begin_iter", begin_iter)
        begin_epoch = _check_begin("begin_epoch", begin_epoch)
        if begin_iter != 0 and begin_epoch != 0:
            raise EMAArgumentError(
                "EMAHook: `begin_iter` and `begin_epoch` should not be both set "
                f"(got begin_iter={begin_iter}, begin_epoch={begin_epoch})"
            )
        self.strict_load = strict_load
        self.ema_cfg = dict(type=ema_type, **kwargs)
        self.begin_iter = begin_iter
        self.begin_epoch = begin_epoch
        # With neither set, averaging starts at the first iteration.
        self.enabled_by_epoch = begin_epoch > 0
        self._follow_device = kwargs.get("device") is None

    # ------------------------------------------------------------------ run
    def before_run(self, runner: Any) -> None:
        """Build the averaged copy of the (unwrapped) model."""
        from mmlight.model import is_model_wrapper

        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        self.src_model: nn.Module = model
        self.ema_model: Any = MODELS.build(self.ema_cfg, default_args=dict(model=model))

    def before_train(self, runner: Any) -> None:
        """Refuse a start point the run never reaches (mmengine asserts the same)."""
        if self.enabled_by_epoch:
            if self.begin_epoch > runner.max_epochs:
                raise EMAArgumentError(
                    "EMAHook: self.begin_epoch should be smaller than or equal to "
                    f"runner.max_epochs: {runner.max_epochs}, but got begin_epoch: "
                    f"{self.begin_epoch} (the average would never start)"
                )
        elif self.begin_iter > runner.max_iters:
            raise EMAArgumentError(
                "EMAHook: self.begin_iter should be smaller than or equal to "
                f"runner.max_iters: {runner.max_iters}, but got begin_iter: {self.begin_iter} "
                "(the average would never start)"
            )
        self._follow_source_device()

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        """Fold the new weights into the average (or copy them, before the start point)."""
        if self._ema_started(runner):
            self.ema_model.update_parameters(self.src_model)
            return
        averaged = self.ema_model.module.state_dict()
        source = self.src_model.state_dict()
        for name, tensor in averaged.items():
            tensor.data.copy_(source[name].data)

    # ------------------------------------------------------------------ evaluation
    def before_val_epoch(self, runner: Any) -> None:
        self._follow_source_device()
        self._swap_ema_parameters()

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._swap_ema_parameters()

    def before_test_epoch(self, runner: Any) -> None:
        self._follow_source_device()
        self._swap_ema_parameters()

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        self._swap_ema_parameters()

    # ------------------------------------------------------------------ checkpoints
    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Add ``ema_state_dict`` and put the averaged weights under ``state_dict``.

        The dict entries are swapped, not the model's tensors: the checkpoint's tensors may be
        the model's own.
        """
        checkpoint["ema_state_dict"] = self.ema_model.state_dict()
        self._swap_ema_state_dict(checkpoint)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Restore the average on resume; otherwise start it from the loaded weights."""
        if "ema_state_dict" in checkpoint and runner._resume:
            # Saving swapped raw and averaged weights; undo that before loading both.
            self._swap_ema_state_dict(checkpoint)
            self.ema_model.load_state_dict(checkpoint["ema_state_dict"], strict=self.strict_load)
            return
        if runner._resume:
            from mmlight.logging import print_log

            print_log(
                "EMAHook: There is no `ema_state_dict` in checkpoint. `EMAHook` will make a "
                "copy of `state_dict` as the initial `ema_state_dict`",
                logger="current",
                level=logging.WARNING,
            )
        _load_state_dict(
            self.ema_model.module, copy.deepcopy(checkpoint["state_dict"]), self.strict_load
        )

    # ------------------------------------------------------------------ helpers
    def _paired_tensors(self) -> Iterator[tuple[Tensor, Tensor]]:
        averaged, source = self.ema_model.module, self.src_model
        if self.ema_model.update_buffers:
            return zip(
                itertools.chain(averaged.parameters(), averaged.buffers()),
                itertools.chain(source.parameters(), source.buffers()),
            )
        return zip(averaged.parameters(), source.parameters())

    def _swap_ema_parameters(self) -> None:
        for averaged, source in self._paired_tensors():
            saved = averaged.data.clone()
            averaged.data.copy_(source.data)
            source.data.copy_(saved)

    def _swap_ema_state_dict(self, checkpoint: dict) -> None:
        model_state = checkpoint["state_dict"]
        ema_state = checkpoint["ema_state_dict"]
        for key in ema_state:
            if not key.startswith(_PREFIX):
                continue
            name = key[len(_PREFIX) :]
            if name not in model_state:
                raise EMACheckpointKeyError(
                    f"EMAHook: checkpoint['ema_state_dict'] has {key!r} but "
                    f"checkpoint['state_dict'] has no {name!r}; the averaged model and the "
                    "model do not match (was the checkpoint written for another model?)"
                )
            ema_state[key], model_state[name] = model_state[name], ema_state[key]

    def _ema_started(self, runner: Any) -> bool:
        if self.enabled_by_epoch:
            return bool(runner.epoch + 1 >= self.begin_epoch)
        return bool(runner.iter + 1 >= self.begin_iter)

    def _follow_source_device(self) -> None:
        """Move the average to the model's device (Lightning moved the model after before_run)."""
        if not self._follow_device or not hasattr(self, "ema_model"):
            return  # no average yet: before_run has not run (a hook driven by hand)
        source = next(self.src_model.parameters(), None)
        averaged = next(self.ema_model.parameters(), None)
        if source is not None and averaged is not None and source.device != averaged.device:
            self.ema_model.to(source.device)


def _load_state_dict(module: nn.Module, state_dict: dict, strict: bool) -> None:
    """mmengine's lenient loading: report mismatches (raise them only when ``strict``)."""
    import importlib

    try:
        checkpoint_module: Any = importlib.import_module("mmlight.runner.checkpoint")
    except ImportError:
        checkpoint_module = None
    shared = getattr(checkpoint_module, "load_state_dict", None)
    if shared is not None:  # the checkpoint module's report, when it exists
        shared(module, state_dict, strict=strict)
        return
    own = module.state_dict()
    mismatched = [
        f"{key}: checkpoint {tuple(value.shape)} vs model {tuple(own[key].shape)}"
        for key, value in state_dict.items()
        if key in own and hasattr(value, "shape") and value.shape != own[key].shape
    ]
    for line in mismatched:
        state_dict.pop(line.split(":", 1)[0])
    result = module.load_state_dict(state_dict, strict=False)
    missing = [key for key in result.missing_keys if "num_batches_tracked" not in key]
    problems = []
    if result.unexpected_keys:
        problems.append(f"unexpected key in source state_dict: {', '.join(result.unexpected_keys)}")
    if missing:
        problems.append(f"missing keys in source state_dict: {', '.join(missing)}")
    if mismatched:
        problems.append(f"size mismatch: {'; '.join(mismatched)}")
    if not problems:
        return
    message = "The model and loaded state dict do not match exactly\n" + "\n".join(problems)
    if strict:
        raise RuntimeError(message)
    from mmlight.logging import print_log

    print_log(message, logger="current", level=logging.WARNING)
