"""``ProfilerHook``: profile the first epoch(s) or iterations with ``torch.profiler``.

Same keyword-only arguments and moments as mmengine's: the profiler starts in ``before_run``,
steps after every training iteration and stops (exporting a Chrome trace when
``json_trace_path`` is given) after ``profile_times`` iterations, or at the end of the first
training epoch when ``by_epoch``. ``on_trace_ready`` takes a callable, ``dict(type='log_trace',
**table_kwargs)`` (prints ``key_averages().table(...)``) or ``dict(type='tb_trace', dir_name=...)``
(TensorBoard traces under ``log_dir``; needs the optional ``torch-tb-profiler`` package).

Unlike mmengine, ``after_run`` stops (without exporting) a profiler that is still running (a
``val()``/``test()`` run, or training stopped early), so it never keeps recording after its run.
Ascend's ``NPUProfilerHook`` lives in :mod:`mmlight.hooks.npu_profiler_hook`.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Callable
from typing import Any

from mmlight.hooks.errors import HookArgumentError, HookArgumentTypeError
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["ProfilerHook", "check_kineto"]

_TRACE_TYPES = ("log_trace", "tb_trace")


class ProfilerArgumentTypeError(HookArgumentTypeError, AssertionError):
    """A ``ProfilerHook`` argument of the wrong type (mmengine asserts on these)."""


def check_kineto() -> bool:
    """Whether this PyTorch build has Kineto, the tracer ``torch.profiler`` needs.

    A module-level function, as in mmengine: tests patch or call it by this path.
    """
    import torch

    return bool(getattr(torch.autograd, "kineto_available", lambda: False)())


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProfilerArgumentTypeError(
            f"ProfilerHook: {name} must be a bool, got {type(value).__name__}: {value!r}"
        )
    return value


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Record a ``torch.profiler`` trace of the start of training.

    Args:
        by_epoch: profile the first epoch (True) or the first ``profile_times`` iterations.
        profile_times: how many iterations to profile (must be 1 when ``by_epoch``).
        activity_with_cpu: record CPU activity.
        activity_with_cuda: record CUDA activity.
        schedule: keyword arguments of ``torch.profiler.schedule`` (wait, warmup, active...).
        on_trace_ready: a callable taking the profiler, or a ``log_trace``/``tb_trace`` dict.
        record_shapes: record operator input shapes.
        profile_memory: track tensor allocations.
        with_stack: record source locations.
        with_flops: estimate FLOPs of matmuls and convolutions.
        json_trace_path: write a Chrome trace (``chrome://tracing``) here when profiling ends.
    """

    priority = "VERY_LOW"

    def __init__(
        self,
        *,
        by_epoch: bool = True,
        profile_times: int = 1,
        activity_with_cpu: bool = True,
        activity_with_cuda: bool = False,
        schedule: dict | None = None,
        on_trace_ready: Callable | dict | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        json_trace_path: str | None = None,
    ) -> None:
        from torch import profiler

        if not check_kineto():
            raise ImportError(
                "ProfilerHook needs a PyTorch build with Kineto (torch.autograd.kineto_available()"
                " is False); install an official PyTorch wheel"
            )
        self.by_epoch = _check_bool("by_epoch", by_epoch)
        if isinstance(profile_times, bool) or not isinstance(profile_times, int):
            raise HookArgumentTypeError(
                f"ProfilerHook: profile_times must be an int, got {profile_times!r}"
            )
        if profile_times < 1:
            raise HookArgumentError(
                f"ProfilerHook: profile_times must be greater than 0, got {profile_times}"
            )
        if by_epoch and profile_times > 1:
            raise HookArgumentError(
                f"ProfilerHook: with by_epoch=True, profile_times must be 1 (got {profile_times}):"
                " profiling slows training down, so profile one epoch, or set by_epoch=False to "
                "profile several iterations"
            )
        self.profile_times = profile_times

        self.activities: list[Any] = []
        if _check_bool("activity_with_cpu", activity_with_cpu):
            self.activities.append(profiler.ProfilerActivity.CPU)
        if _check_bool("activity_with_cuda", activity_with_cuda):
            self.activities.append(profiler.ProfilerActivity.CUDA)

        if schedule is not None and not isinstance(schedule, dict):
            raise ProfilerArgumentTypeError(
                "ProfilerHook: schedule must be a dict of torch.profiler.schedule arguments "
                f"(wait, warmup, active, repeat, skip_first), got {type(schedule).__name__}"
            )
        self.schedule = profiler.schedule(**schedule) if schedule is not None else None
        if on_trace_ready is not None and not (
            callable(on_trace_ready) or isinstance(on_trace_ready, dict)
        ):
            # mmengine only notices this in before_run; failing early is kinder.
            raise HookArgumentError(
                "ProfilerHook: on_trace_ready must be a callable, a dict with type 'log_trace' "
                f"or 'tb_trace', or None, got {on_trace_ready!r}"
            )
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.json_trace_path = json_trace_path
        self._closed = False
        self.profiler: Any = None

    # ------------------------------------------------------------------ mount points
    def before_run(self, runner: Any) -> None:
        """Check the run is long enough and start profiling."""
        import torch

        max_times = runner.max_epochs if self.by_epoch else runner.max_iters
        if max_times < self.profile_times:
            unit = "max_epochs" if self.by_epoch else "max_iters"
            raise HookArgumentError(
                f"ProfilerHook: profile_times ({self.profile_times}) should not be greater than "
                f"the run's {unit} ({max_times})"
            )
        handler = self._parse_trace_config(runner)
        self.profiler = torch.profiler.profile(
            # Neither CPU nor CUDA chosen: torch's default activities, as mmengine gets them on
            # the torch versions it supports (newer torch refuses an empty list).
            activities=self.activities or None,
            schedule=self.schedule,
            on_trace_ready=handler,
            record_shapes=self.record_shapes,
            profile_memory=self.profile_memory,
            with_stack=self.with_stack,
            with_flops=self.with_flops,
        )
        self._closed = False
        self.profiler.__enter__()
        runner.logger.info("profiler is profiling...")

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if not self._closed:
            self.profiler.step()
        if not self.by_epoch and runner.iter == self.profile_times - 1:
            self._export_chrome_trace(runner)

    def after_train_epoch(self, runner: Any) -> None:
        # Iteration-based loops call this once at the end; the profiler may be closed already.
        if not self._closed:
            self._export_chrome_trace(runner)

    def after_run(self, runner: Any) -> None:
        # Stop quietly: exporting here would overwrite the training trace with a test run's.
        if self.profiler is not None and not self._closed:
            self._closed = True
            self.profiler.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers
    def _parse_trace_config(self, runner: Any) -> Callable | None:
        """The ``on_trace_ready`` handler for ``torch.profiler.profile``."""
        trace = self.on_trace_ready
        if trace is None or callable(trace):
            return trace
        cfg = dict(trace)
        trace_type = cfg.pop("type", None)
        if trace_type == "log_trace":

            def log_handler(prof: Any) -> None:
                print(prof.key_averages().table(**cfg))

            return log_handler
        if trace_type == "tb_trace":
            return self._tensorboard_handler(runner, cfg)
        raise HookArgumentError(
            f"ProfilerHook: on_trace_ready['type'] must be one of {list(_TRACE_TYPES)}, "
            f"got {trace_type!r}"
        )

    def _tensorboard_handler(self, runner: Any, cfg: dict) -> Callable:
        import torch

        try:
            import torch_tb_profiler  # noqa: F401
        except ImportError as error:
            raise ImportError(
                "ProfilerHook: on_trace_ready=dict(type='tb_trace') needs the optional "
                "torch-tb-profiler package: pip install torch-tb-profiler"
            ) from error
        dir_name = cfg.get("dir_name", "tf_tracing_logs")
        cfg["dir_name"] = dir_name if osp.isabs(dir_name) else osp.join(runner.log_dir, dir_name)
        runner.logger.info(f"trace_files of ProfilerHook will be saved to {cfg['dir_name']}.")
        if self.json_trace_path is not None:
            runner.logger.warning(
                "When using tensorboard_trace, it is recommended to save json files by setting "
                "``worker_name`` instead of setting ``json_trace_path``"
            )
        return torch.profiler.tensorboard_trace_handler(**cfg)

    def _export_chrome_trace(self, runner: Any) -> None:
        self._closed = True
        runner.logger.info("profiler may take a few minutes...")
        self.profiler.__exit__(None, None, None)
        if self.json_trace_path is not None:
            self.profiler.export_chrome_trace(self.json_trace_path)
