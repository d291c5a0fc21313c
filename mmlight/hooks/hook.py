"""``Hook``: the base class of everything the runner calls at its mount points.

Subclasses override the mount points they care about. The twelve epoch and iteration mount
points (``before_train_epoch``, ``after_val_iter``, ...) forward by default to four mode-generic
methods (``_before_epoch``, ``_after_epoch``, ``_before_iter``, ``_after_iter``) with
``mode='train'|'val'|'test'``, so a hook that treats the three loops alike overrides only those.

A hook sees the runner only through mmengine's runner API (``runner.epoch``, ``runner.iter``,
``runner.message_hub``, ``runner.train_loop``, ...), so the same hook class works with mmlight's
``Runner`` facade and with mmengine's ``Runner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmlight.hooks.mount_points import MOUNT_POINTS

__all__ = ["DATA_BATCH", "Hook"]

DATA_BATCH = dict | tuple | list | None

# The mode-generic methods and the mount points that reach them through the base class.
_GENERIC_METHODS: dict[str, tuple[str, ...]] = {
    "_before_epoch": ("before_train_epoch", "before_val_epoch", "before_test_epoch"),
    "_after_epoch": ("after_train_epoch", "after_val_epoch", "after_test_epoch"),
    "_before_iter": ("before_train_iter", "before_val_iter", "before_test_iter"),
    "_after_iter": ("after_train_iter", "after_val_iter", "after_test_iter"),
}


class Hook:
    """Base class of runner hooks; every mount point is a no-op until a subclass overrides it.

    ``priority`` (a ``Priority`` name, member or int in 0..100) decides the calling order at
    each mount point; the runner reads it when the hook is registered.
    """

    priority: Any = "NORMAL"
    stages: tuple[str, ...] = MOUNT_POINTS

    # ---- run level ---------------------------------------------------------------------------

    def before_run(self, runner: Any) -> None:
        """Start of ``train()``/``val()``/``test()``, before weights are loaded."""

    def after_run(self, runner: Any) -> None:
        """End of ``train()``/``val()``/``test()``: release what ``before_run`` acquired."""

    def before_train(self, runner: Any) -> None:
        """Train loop start; ``runner.epoch``/``iter`` already reflect a resume."""

    def after_train(self, runner: Any) -> None:
        """Train loop end."""

    def before_val(self, runner: Any) -> None:
        """Validation loop start (possibly in the middle of training)."""

    def after_val(self, runner: Any) -> None:
        """Validation loop end."""

    def before_test(self, runner: Any) -> None:
        """Test loop start."""

    def after_test(self, runner: Any) -> None:
        """Test loop end."""

    # ---- checkpoints -------------------------------------------------------------------------

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Edit ``checkpoint`` in place before it is written (main process only)."""

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Edit ``checkpoint`` in place after reading, before its weights reach the model."""

    # ---- epochs: forwarded to _before_epoch / _after_epoch -----------------------------------

    def before_train_epoch(self, runner: Any) -> None:
        """Start of a training epoch; defaults to ``_before_epoch(mode='train')``."""
        self._before_epoch(runner, mode="train")

    def before_val_epoch(self, runner: Any) -> None:
        """Start of the validation epoch; defaults to ``_before_epoch(mode='val')``."""
        self._before_epoch(runner, mode="val")

    def before_test_epoch(self, runner: Any) -> None:
        """Start of the test epoch; defaults to ``_before_epoch(mode='test')``."""
        self._before_epoch(runner, mode="test")

    def after_train_epoch(self, runner: Any) -> None:
        """End of a training epoch, before its validation; defaults to ``_after_epoch``."""
        self._after_epoch(runner, mode="train")

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        """Validation metrics are ready; defaults to ``_after_epoch(mode='val')``."""
        self._after_epoch(runner, mode="val")

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        """Test metrics are ready; defaults to ``_after_epoch(mode='test')``."""
        self._after_epoch(runner, mode="test")

    # ---- iterations: forwarded to _before_iter / _after_iter ---------------------------------

    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        """Before ``train_step``; defaults to ``_before_iter(mode='train')``."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="train")

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        """Before ``val_step``; defaults to ``_before_iter(mode='val')``."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="val")

    def before_test_iter(self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        """Before ``test_step``; defaults to ``_before_iter(mode='test')``."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="test")

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        """After ``train_step`` (``outputs``: its log variables); defaults to ``_after_iter``."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="train"
        )

    def after_val_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        """After ``val_step`` (``outputs``: predictions); defaults to ``_after_iter``."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="val"
        )

    def after_test_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        """After ``test_step`` (``outputs``: predictions); defaults to ``_after_iter``."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="test"
        )

    # ---- mode-generic methods ----------------------------------------------------------------

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        """Override to act at the start of every train, val and test epoch alike."""

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        """Override to act at the end of every train, val and test epoch alike."""

    def _before_iter(
        self, runner: Any, batch_idx: int, data_batch: DATA_BATCH = None, mode: str = "train"
    ) -> None:
        """Override to act before every train, val and test iteration alike."""

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | dict | None = None,
        mode: str = "train",
    ) -> None:
        """Override to act after every train, val and test iteration alike."""

    # ---- predicates hooks use to decide whether to act now -----------------------------------

    def every_n_epochs(self, runner: Any, n: int, start: int = 0) -> bool:
        """True when the epoch just run is the n-th, 2n-th, ... one counted from ``start``.

        False for ``n <= 0`` and before ``start``.
        """
        completed = runner.epoch + 1 - start
        return n > 0 and completed >= 0 and completed % n == 0

    def every_n_inner_iters(self, batch_idx: int, n: int) -> bool:
        """True on every n-th batch of the current epoch (``batch_idx`` is 0-based)."""
        return n > 0 and (batch_idx + 1) % n == 0

    def every_n_train_iters(self, runner: Any, n: int, start: int = 0) -> bool:
        """True when the training iteration just run is the n-th, 2n-th, ... from ``start``.

        False for ``n <= 0`` and before ``start``.
        """
        completed = runner.iter + 1 - start
        return n > 0 and completed >= 0 and completed % n == 0

    def end_of_epoch(self, dataloader: Any, batch_idx: int) -> bool:
        """True on the last batch of ``dataloader``."""
        return batch_idx + 1 == len(dataloader)

    def is_last_train_epoch(self, runner: Any) -> bool:
        """True during the final training epoch."""
        return bool(runner.epoch + 1 == runner.max_epochs)

    def is_last_train_iter(self, runner: Any) -> bool:
        """True during the final training iteration."""
        return bool(runner.iter + 1 == runner.max_iters)

    def get_triggered_stages(self) -> list[str]:
        """Mount points at which this hook does something, in ``MOUNT_POINTS`` order.

        A mount point counts when this hook's class overrides it, or overrides the
        mode-generic method it forwards to. The runner uses this to describe its hooks.
        """
        cls = type(self)

        def overridden(name: str) -> bool:
            return getattr(cls, name) is not getattr(Hook, name)

        triggered = {stage for stage in MOUNT_POINTS if overridden(stage)}
        for method, stages in _GENERIC_METHODS.items():
            if overridden(method):
                triggered.update(stages)
        return [stage for stage in MOUNT_POINTS if stage in triggered]
