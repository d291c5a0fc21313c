"""The runner as an MMCV 1.x hook sees it: ``runner.mode``, ``inner_iter``, ``outputs``,
``log_buffer``, ``optimizer``, ``current_lr()``, ... over mmlight's (MMEngine-style) Runner.

One view per runner, shared by every wrapped 1.x hook, so state such as ``log_buffer`` and
``meta`` is common to them as it was on an MMCV 1.x runner. The hook adapter moves the view's
state along at each mount point (:meth:`RunnerView.enter`); everything else is read from the
runner when asked. Attributes the view does not know are looked up on the runner itself.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

from mmlight.mmcv1.log_buffer import LogBuffer

__all__ = ["RunnerView", "is_iter_based", "view_of"]

_VIEWS: weakref.WeakKeyDictionary[Any, RunnerView] = weakref.WeakKeyDictionary()


def view_of(runner: Any) -> RunnerView:
    """The one view of ``runner`` (made on first use)."""
    view = _VIEWS.get(runner)
    if view is None:
        view = _VIEWS[runner] = RunnerView(runner)
    return view


def is_iter_based(runner: Any) -> bool:
    """Whether the runner trains by iterations (MMCV 1.x's ``IterBasedRunner``)."""
    loop = getattr(runner, "_train_loop", None)
    if loop is None:
        return False
    if isinstance(loop, Mapping):  # not built yet: MMEngine's rule for train_cfg
        if "type" in loop:
            return "IterBased" in str(loop["type"])
        return loop.get("by_epoch") is False
    by_epoch = getattr(loop, "by_epoch", None)
    if isinstance(by_epoch, bool):
        return not by_epoch
    return "IterBased" in type(loop).__name__


def _batch_size(data_batch: Any) -> int:
    """Samples in a batch: the length of its first sized entry (1 when none has a length)."""
    if isinstance(data_batch, Mapping):
        data_batch = list(data_batch.values())
    if isinstance(data_batch, (list, tuple)):
        for item in data_batch:
            if hasattr(item, "__len__"):
                return len(item)
        return len(data_batch) or 1
    return 1


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


class _HubLogBuffer(LogBuffer):
    """The view's log buffer: what a 1.x hook adds with ``update`` also reaches the message
    hub (``<mode>/<key>``), where mmlight's logger and visualizer read it, as MMCV 1.x's
    logger hooks read the buffer."""

    def __init__(self, view: RunnerView) -> None:
        super().__init__()
        self._view = view

    def update(self, vars: dict, count: int = 1) -> None:
        super().update(vars, count)
        if not self._view._feeding:
            self._view._to_hub(vars, count)


class RunnerView:
    """What MMCV 1.x's ``BaseRunner`` offered its hooks, answered from an mmlight Runner."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.mode: str | None = None
        self.inner_iter = 0
        self.outputs: Any = None
        self.data_batch: Any = None
        self.log_buffer: LogBuffer = _HubLogBuffer(self)
        self._feeding = False  # the view itself is pushing an iteration's log_vars
        self._forwarded: dict[str, Any] = {}  # output values already sent to the hub
        self.meta: dict[str, Any] = {"hook_msgs": {}}
        self._iter_epoch = 0  # IterBasedRunner's epoch: passes its loader had finished
        self._logged: tuple[Any, ...] | None = None

    # ------------------------------------------------------------------ state moved by hooks
    def enter(
        self,
        point: str,
        batch_idx: int | None = None,
        data_batch: Any = None,
        outputs: Any = None,
    ) -> None:
        """Set mode, ``inner_iter``, ``outputs`` and the log buffer as MMCV 1.x's runner had
        them when it called the hooks' stage matching MMEngine's mount point ``point``."""
        iter_based = is_iter_based(self.runner)
        if point in ("before_train_epoch", "before_val_epoch"):
            # inner_iter keeps its value until the next iteration, as on MMCV 1.x's runner.
            if not iter_based:  # IterBasedRunner calls before_epoch before any phase sets it
                self.mode = "train" if "train" in point else "val"
            if not (iter_based and self.mode == "val"):
                self.log_buffer.clear()  # what MMCV 1.x's LoggerHook.before_epoch did
                self._forwarded.clear()
        elif point == "after_train_epoch" and iter_based and self.runner.iter > 0:
            self.inner_iter = 1  # IterBasedRunner counted the phase's last iteration
        elif point.endswith("_iter") and ("_train_" in point or "_val_" in point):
            self.mode = "train" if "_train_" in point else "val"
            # IterBasedRunner restarts inner_iter at each workflow phase: with its default
            # workflow [('train', 1)] that is every training iteration.
            self.inner_iter = 0 if iter_based and self.mode == "train" else int(batch_idx or 0)
            self.data_batch = data_batch
            if point == "before_train_iter" and iter_based:
                length = self._loader_length()
                done = max(self.runner.iter - 1, 0)
                self._iter_epoch = done // length if length else 0
            if point.startswith("after_"):
                self.outputs = self._legacy_outputs(outputs, data_batch)
                self._log(outputs)

    def _legacy_outputs(self, outputs: Any, data_batch: Any) -> Any:
        """The dict MMCV 1.x's ``train_step`` returned (``loss``, ``log_vars``, ``num_samples``)."""
        if self.mode != "train":
            return outputs
        model = self.runner.model
        last = getattr(model, "last_outputs", None)
        if last is not None and hasattr(model, "legacy_model"):
            return last
        log_vars = {k: _scalar(v) for k, v in (outputs or {}).items()}
        return {
            "loss": (outputs or {}).get("loss"),
            "log_vars": log_vars,
            "num_samples": _batch_size(data_batch),
        }

    def _log(self, outputs: Any) -> None:
        """Push this training iteration's ``log_vars`` once, as ``run_iter`` did."""
        if self.mode != "train" or not isinstance(self.outputs, Mapping):
            return
        key = (self.runner.iter, self.inner_iter, id(outputs))
        if key == self._logged or "log_vars" not in self.outputs:
            return
        self._logged = key
        self._feeding = True  # mmlight logs train_step's log_vars itself
        try:
            self.log_buffer.update(dict(self.outputs["log_vars"]), self.outputs["num_samples"])
        finally:
            self._feeding = False

    def _to_hub(self, values: Mapping[str, Any], count: int = 1) -> None:
        hub = getattr(self.runner, "message_hub", None)
        if hub is None:
            return
        for key, value in values.items():
            number = _scalar(value)
            # Strings (mmdet's 'bbox_mAP_copypaste') were text-log only: the hub takes numbers.
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                hub.update_scalar(f"{self.mode or 'train'}/{key}", number, count)

    def flush_output(self) -> None:
        """Send what a 1.x hook put straight into ``log_buffer.output`` (with ``ready``, as
        MMCV 1.x's EvalHook did for its metrics) to the message hub, each value once."""
        buffer = self.log_buffer
        if not buffer.ready:
            return
        fresh = {
            key: value
            for key, value in buffer.output.items()
            if key not in buffer.val_history and self._forwarded.get(key) is not value
        }
        self._forwarded.update(fresh)
        self._to_hub(fresh)

    def _loader_length(self) -> int:
        try:
            return len(self.runner.train_dataloader)
        except (TypeError, RuntimeError, AttributeError):
            return 0

    # ------------------------------------------------------------------ progress
    @property
    def epoch(self) -> int:
        return self._iter_epoch if is_iter_based(self.runner) else int(self.runner.epoch)

    @property
    def iter(self) -> int:
        return int(self.runner.iter)

    @property
    def max_epochs(self) -> int | None:
        return None if is_iter_based(self.runner) else self.runner.max_epochs

    @property
    def max_iters(self) -> int | None:
        return self.runner.max_iters

    # MMCV 1.x's helpers (is_last_epoch, is_last_iter) read the private names.
    _max_epochs = max_epochs
    _max_iters = max_iters
    _epoch = epoch
    _iter = iter

    @property
    def _inner_iter(self) -> int:
        return self.inner_iter

    @property
    def data_loader(self) -> Any:
        """The loader of the current mode (MMCV 1.x swapped it in for each workflow phase)."""
        if self.mode == "val":
            return self.runner.val_dataloader
        return self.runner.train_dataloader

    # ------------------------------------------------------------------ components
    @property
    def model(self) -> Any:
        """The 1.x model itself when the runner trains it through the model adapter."""
        model = self.runner.model
        return getattr(model, "legacy_model", model)

    @property
    def optimizer(self) -> Any:
        """A torch optimizer, or a dict of them (MMCV 1.x's multi-optimizer form)."""
        wrapper = getattr(self.runner, "optim_wrapper", None)
        wrappers = getattr(wrapper, "optim_wrappers", None)
        if isinstance(wrappers, Mapping):
            return {name: w.optimizer for name, w in wrappers.items()}
        return getattr(wrapper, "optimizer", None)

    def _groups(self) -> Any:
        optimizer = self.optimizer
        if optimizer is None or (isinstance(optimizer, Mapping) and not optimizer):
            raise RuntimeError("lr is not applicable because optimizer does not exist.")
        if isinstance(optimizer, Mapping):
            return {name: optim.param_groups for name, optim in optimizer.items()}
        return optimizer.param_groups

    def current_lr(self) -> list[float] | dict[str, list[float]]:
        """Each param group's lr (a dict of lists for several optimizers), as MMCV 1.x's."""
        groups = self._groups()
        if isinstance(groups, dict):
            return {name: [g["lr"] for g in gs] for name, gs in groups.items()}
        return [group["lr"] for group in groups]

    def current_momentum(self) -> list[float] | dict[str, list[float]]:
        """Each group's momentum (Adam's ``betas[0]``; 0 for optimizers without one)."""

        def momenta(groups: list[dict]) -> list[float]:
            out = []
            for group in groups:
                if "momentum" in group:
                    out.append(group["momentum"])
                elif "betas" in group:
                    out.append(group["betas"][0])
                else:
                    out.append(0)
            return out

        groups = self._groups()
        if isinstance(groups, dict):
            return {name: momenta(gs) for name, gs in groups.items()}
        return momenta(groups)

    def save_checkpoint(
        self,
        out_dir: str,
        filename_tmpl: str | None = None,
        save_optimizer: bool = True,
        meta: dict | None = None,
        create_symlink: bool = True,
    ) -> None:
        """MMCV 1.x's signature: the file is ``filename_tmpl`` formatted with the 1-based
        epoch (``EpochBasedRunner``) or iteration (``IterBasedRunner``). MMEngine makes no
        ``latest.pth`` link, so ``create_symlink`` is accepted and ignored."""
        iter_based = is_iter_based(self.runner)
        if filename_tmpl is None:
            filename_tmpl = "iter_{}.pth" if iter_based else "epoch_{}.pth"
        filename = filename_tmpl.format((self.iter if iter_based else self.epoch) + 1)
        self.runner.save_checkpoint(
            out_dir, filename, save_optimizer=save_optimizer, meta=meta, by_epoch=not iter_based
        )

    # ------------------------------------------------------------------ the rest
    @property
    def work_dir(self) -> str:
        return self.runner.work_dir

    @property
    def logger(self) -> Any:
        return self.runner.logger

    @property
    def rank(self) -> int:
        return self.runner.rank

    @property
    def world_size(self) -> int:
        return self.runner.world_size

    @property
    def model_name(self) -> str:
        return type(self.model).__name__

    @property
    def hooks(self) -> list[Any]:
        """The hooks as the 1.x hook knows them (wrapped ones unwrapped)."""
        return [getattr(hook, "hook", hook) for hook in self.runner.hooks]

    def __getattr__(self, name: str) -> Any:
        # Anything else (timestamp, cfg, message_hub, ...) is the runner's.
        if name == "runner":
            raise AttributeError(name)
        return getattr(self.runner, name)
