"""``LoggerHook``: decides when to log, and sends the lines and scalars where they belong.

What a log line says is ``runner.log_processor``'s business; this hook picks the iterations
(every ``interval`` batches, plus the end of an epoch), writes the line through
``runner.logger`` and the scalars through ``runner.visualizer.add_scalars`` (the default
visualizer's ``LocalVisBackend`` writes ``vis_data/scalars.json`` and
``vis_data/<timestamp>.json``), dumps test metrics to ``<log_dir>/<timestamp>.json``, closes
the visualizer after the run and copies the log files to ``out_dir`` (any fsspec URL:
``s3://...``, ``memory://...``, a local path).

When the Runner's work_dir is a URL, the text log is written to a local staging file and
mirrored to ``log_dir`` by the logger; this hook asks for that copy at the points a user would
look: after each validation and each test, and after the run (it overrides no mount point
that mmengine's ``LoggerHook`` does not, so the hook's triggered stages stay the same).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mmlight.hooks import _log_files
from mmlight.hooks.errors import HookArgumentError, HookArgumentTypeError, positive_int
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["LoggerHook"]

SUFFIX_TYPE = Sequence[str] | str


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise HookArgumentTypeError(
            f"LoggerHook: {name} must be True or False, but got {type(value).__name__}: {value!r}"
        )
    return value


def _train_progress(runner: Any, name: str) -> int:
    """``runner.epoch``/``runner.iter``, or 0 when no train loop exists (val/test-only runs).

    mmengine's runner builds its train loop on first access, so its private ``_train_loop``
    (a config dict or None until built) is checked first; other runners expose ``train_loop``.
    """
    if hasattr(runner, "_train_loop"):
        loop = runner._train_loop
        if loop is None or isinstance(loop, dict):
            return 0
    elif getattr(runner, "train_loop", None) is None:
        return 0
    return int(getattr(runner, name))


def _sync_log_files(runner: Any, strict: bool) -> None:
    """Push a URL log file's staged lines (mmlight's MMLogger; other loggers have nothing)."""
    sync = getattr(getattr(runner, "logger", None), "sync_log_files", None)
    if callable(sync):
        sync(strict=strict)


@HOOKS.register_module()
class LoggerHook(Hook):
    """Write training, validation and test logs at a chosen interval.

    Args:
        interval: log every ``interval`` batches of an epoch.
        ignore_last: skip the log of the last, incomplete interval of an epoch (it is still
            logged when the whole epoch is shorter than ``interval``).
        interval_exp_name: print ``Exp name: <experiment_name>`` every this many training
            iterations (and at the end of each epoch), so a long log says what it belongs to.
        out_dir: where to copy the log files after the run, as ``<out_dir>/<basename of
            work_dir>/...``; any fsspec path or URL. None keeps them only in ``log_dir``.
        out_suffix: copy the files of ``log_dir`` whose path ends with one of these.
        keep_local: with ``out_dir``, whether to keep the local files after copying.
        file_client_args: deprecated mmengine spelling of ``backend_args``.
        log_metric_by_epoch: give validation scalars the epoch (True) or the iteration as step.
        backend_args: fsspec storage options for ``out_dir`` (mmengine's ``backend`` key is
            ignored; the URL's protocol chooses the filesystem).
    """

    priority = "BELOW_NORMAL"

    def __init__(
        self,
        interval: int = 10,
        ignore_last: bool = True,
        interval_exp_name: int = 1000,
        out_dir: str | Path | None = None,
        out_suffix: SUFFIX_TYPE = (".json", ".log", ".py", "yaml"),
        keep_local: bool = True,
        file_client_args: dict | None = None,
        log_metric_by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        self.interval = positive_int("LoggerHook", "interval", interval)
        self.ignore_last = _boolean("ignore_last", ignore_last)
        self.interval_exp_name = positive_int("LoggerHook", "interval_exp_name", interval_exp_name)
        if out_dir is not None and not isinstance(out_dir, (str, Path)):
            raise HookArgumentTypeError(
                "LoggerHook: out_dir must be a str or pathlib.Path, but got "
                f"{type(out_dir).__name__}: {out_dir!r}"
            )
        self.keep_local = _boolean("keep_local", keep_local)
        if file_client_args is not None:
            if out_dir is None:
                raise HookArgumentError(
                    'LoggerHook: file_client_args should be "None" when `out_dir` is not '
                    "specified: file_client_args only applies to out_dir; remove it or set out_dir"
                )
            if backend_args is not None:
                raise HookArgumentError(
                    'LoggerHook: "file_client_args" and "backend_args" cannot be set at the same '
                    "time; use backend_args (file_client_args is deprecated)"
                )
            # mmengine logs this (downstream tests assert on the log); Python's warning
            # machinery sees it too.
            message = (
                'LoggerHook: "file_client_args" will be deprecated in future. Please use '
                '"backend_args" instead (file_client_args is deprecated)'
            )
            from mmlight.logging import print_log

            print_log(message, logger="current", level=logging.WARNING)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            backend_args = file_client_args
        if not (
            isinstance(out_suffix, str)
            or (
                isinstance(out_suffix, Sequence)
                and all(isinstance(item, str) for item in out_suffix)
            )
        ):
            raise HookArgumentTypeError(
                "LoggerHook: out_suffix must be a str or a sequence of str such as "
                f"('.json', '.log'), but got {type(out_suffix).__name__}: {out_suffix!r}"
            )
        self.out_suffix = out_suffix
        # out_dir as given; before_run appends the experiment folder to it.
        self._out_root: str | None = None if out_dir is None else str(out_dir)
        self.out_dir: str | None = self._out_root
        self.file_client_args = file_client_args
        self.backend_args = backend_args
        self._storage_options = _log_files.storage_options(backend_args)
        if self._out_root is not None:
            _log_files.check_out_dir(self._out_root, self._storage_options, "LoggerHook")
        self.log_metric_by_epoch = log_metric_by_epoch
        self.json_log_path: str | None = None

    # ---- run ---------------------------------------------------------------------------------

    def before_run(self, runner: Any) -> None:
        if self._out_root is not None:
            # Logs of different experiments land in different folders under one out_dir.
            basename = os.path.basename(str(runner.work_dir).rstrip(os.sep).rstrip("/"))
            self.out_dir = _log_files.join_out_path(self._out_root, basename)
            runner.logger.info(
                f"Text logs will be saved to {self.out_dir} after the training process."
            )
        self.json_log_path = f"{runner.timestamp}.json"

    def after_run(self, runner: Any) -> None:
        if runner.visualizer is not None:
            runner.visualizer.close()
        _sync_log_files(runner, strict=True)
        if self.out_dir is None:
            return
        log_dir = str(runner.log_dir)
        separator = "/" if "://" in log_dir else os.sep
        copied: list[str] = []
        for rel_path in _log_files.iter_files(log_dir, self.out_suffix):
            local_path = _log_files.join_out_path(log_dir, *rel_path.split(separator))
            target = _log_files.join_out_path(self.out_dir, *rel_path.split(separator))
            _log_files.write_bytes(
                target, _log_files.read_bytes(local_path), self._storage_options
            )
            copied.append(local_path)
            runner.logger.info(f"The file {local_path} has been uploaded to {target}.")
            if not self.keep_local:
                runner.logger.info(
                    f"{local_path} will be removed because keep_local=False; its copy is {target}"
                )
        if self.keep_local:
            return
        # Release open log files first (Windows cannot delete an open file).
        for handler in runner.logger.handlers:
            if isinstance(handler, logging.FileHandler):
                handler.close()
        for local_path in copied:
            _log_files.remove_file(local_path)

    # ---- iterations ---------------------------------------------------------------------------

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        dataloader = runner.train_dataloader
        last_batch = self.end_of_epoch(dataloader, batch_idx)
        if self.every_n_train_iters(runner, self.interval_exp_name) or last_batch:
            runner.logger.info(f"Exp name: {runner.experiment_name}")
        # The last, shorter interval of an epoch is logged unless ignore_last says otherwise;
        # an epoch shorter than one interval would otherwise never be logged at all.
        if not self.every_n_inner_iters(batch_idx, self.interval) and not (
            last_batch and (not self.ignore_last or len(dataloader) <= self.interval)
        ):
            return
        tag, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, "train")
        runner.logger.info(log_str)
        self._add_scalars(runner, tag, step=runner.iter + 1)

    def after_val_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        self._log_eval_iter(runner, batch_idx, "val")

    def after_test_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        self._log_eval_iter(runner, batch_idx, "test")

    def _log_eval_iter(self, runner: Any, batch_idx: int, mode: str) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, mode)
            runner.logger.info(log_str)

    # ---- epochs ------------------------------------------------------------------------------

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.val_dataloader), "val"
        )
        runner.logger.info(log_str)
        step = _train_progress(runner, "epoch" if self.log_metric_by_epoch else "iter")
        self._add_scalars(runner, tag, step=step)
        _sync_log_files(runner, strict=False)

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), "test", with_non_scalar=True
        )
        runner.logger.info(log_str)
        _sync_log_files(runner, strict=False)
        from mmlight.dist import get_rank

        rank = getattr(runner, "rank", None)
        if not isinstance(rank, int):
            rank = get_rank()  # a runner-like object without a rank (a test's MagicMock)
        if rank != 0:
            return  # every rank holds the same metrics; one file is enough
        json_name = self.json_log_path or f"{runner.timestamp}.json"
        _log_files.dump_json(
            _log_files.json_friendly(tag), _log_files.join_out_path(str(runner.log_dir), json_name)
        )

    # ---- helpers ------------------------------------------------------------------------------

    def _add_scalars(self, runner: Any, tag: dict, step: int) -> None:
        # mmengine's Runner always has a visualizer; a runner-like object without one (a
        # custom runner, a test double) simply gets no scalar files.
        visualizer = getattr(runner, "visualizer", None)
        if visualizer is not None:
            visualizer.add_scalars(tag, step=step, file_path=self.json_log_path)
