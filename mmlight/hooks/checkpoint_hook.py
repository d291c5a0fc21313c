"""CheckpointHook: MMEngine's periodic, last and best checkpoints, written through fsspec.

Same arguments, defaults, file names and message-hub state as mmengine's hook:
``epoch_N.pth`` / ``iter_N.pth`` (or ``filename_tmpl``), ``best_<metric>_epoch_N.pth``,
``max_keep_ckpts`` pruning recorded in ``keep_ckpt_ids``, ``best_score``/``best_ckpt`` (or
``best_score_<key>``/``best_ckpt_<key>``) and ``last_ckpt`` in runtime info, the
``work_dir/last_checkpoint`` pointer, and ``published_keys`` copies named
``<name>-<sha256[:8]>.pth``. ``out_dir`` may be any fsspec URL; every file is written atomically.

One deliberate difference: in a ``runner.val()`` that no training preceded, ``save_best``
does nothing instead of failing on state that only ``before_train`` sets up.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import os.path as osp
import pickle
from collections import deque
from collections.abc import Callable, Sequence
from math import inf
from pathlib import Path
from typing import Any

from mmlight.hooks.errors import HookArgumentError, HookArgumentTypeError, did_you_mean
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["CheckpointHook"]


class CheckpointHookArgumentError(HookArgumentError, AssertionError):
    """A bad CheckpointHook argument (mmengine asserts for these)."""


class CheckpointHookTypeError(HookArgumentTypeError, AssertionError):
    """A CheckpointHook argument of the wrong type (mmengine asserts or raises TypeError)."""


class UnknownRuleError(HookArgumentError, KeyError):
    """``rule`` other than 'greater', 'less' or None (mmengine raises KeyError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingMetricError(KeyError):
    """``save_best`` names a metric the evaluator did not return (mmengine: KeyError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_str_seq(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


def _check_interval(interval: Any) -> Any:
    """``interval`` if it is -1 (no periodic checkpoint) or a whole number >= 1.

    MMEngine silently saves nothing periodic for 0 or any negative value; a typo such as
    ``interval=-3`` is refused instead (a built hook too, not only a config dict).
    """
    whole = (
        isinstance(interval, (int, float)) and not isinstance(interval, bool)
        and float(interval).is_integer()
    )
    if whole and (interval == -1 or interval >= 1):
        return interval
    raise CheckpointHookArgumentError(
        f"CheckpointHook: interval must be a positive integer, or -1 for no periodic "
        f"checkpoint, but got {interval!r}"
    )


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save checkpoints every ``interval`` epochs (or iterations), at the end, and the best."""

    priority = "VERY_LOW"
    out_dir: Any

    rule_map: dict[str, Callable[[Any, Any], bool]] = {
        "greater": operator.gt,
        "less": operator.lt,
    }
    init_value_map = {"greater": -inf, "less": inf}
    _default_greater_keys = [
        "acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc",
    ]
    _default_less_keys = ["loss"]

    def __init__(
        self,
        interval: int = -1,
        by_epoch: bool = True,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        out_dir: str | Path | None = None,
        max_keep_ckpts: int = -1,
        save_last: bool = True,
        save_best: str | list[str] | None = None,
        rule: str | list[str] | None = None,
        greater_keys: Sequence[str] | None = None,
        less_keys: Sequence[str] | None = None,
        file_client_args: dict | None = None,
        filename_tmpl: str | None = None,
        backend_args: dict | None = None,
        published_keys: str | list[str] | None = None,
        save_begin: int = 0,
        **kwargs: Any,
    ) -> None:
        self.interval = _check_interval(interval)
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.save_param_scheduler = save_param_scheduler
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.args = kwargs

        if file_client_args is not None:
            from mmlight.logging import print_log

            print_log(
                '"file_client_args" will be deprecated in future. Please use "backend_args" '
                "instead",
                logger="current",
                level=logging.WARNING,
            )
            if backend_args is not None:
                raise CheckpointHookArgumentError(
                    'CheckpointHook: "file_client_args" and "backend_args" cannot be set at '
                    "the same time"
                )
        self.file_client_args = file_client_args
        self.backend_args = backend_args
        if filename_tmpl is None:
            filename_tmpl = "epoch_{}.pth" if by_epoch else "iter_{}.pth"
        self.filename_tmpl = filename_tmpl

        self.save_best = self._check_save_best(save_best)
        rules = self._check_rule(rule, self.save_best)
        self.greater_keys = self._check_keys("greater_keys", greater_keys,
                                             self._default_greater_keys)
        self.less_keys = self._check_keys("less_keys", less_keys, self._default_less_keys)
        if self.save_best is not None:
            self.is_better_than: dict[str, Callable[[Any, Any], bool]] = {}
            self._init_rule(rules, self.save_best)
            if len(self.key_indicators) == 1:
                self.best_ckpt_path: str | None = None
            else:
                self.best_ckpt_path_dict: dict[str, str | None] = {}

        self.published_keys = self._check_published_keys(published_keys)
        self.last_ckpt: str | None = None
        if save_begin < 0:
            raise CheckpointHookArgumentError(
                f"CheckpointHook: save_begin should not be less than 0, but got {save_begin}"
            )
        self.save_begin = save_begin
        self._prepared = False  # before_train has resolved out_dir and the saved state

    # ------------------------------------------------------------------ argument checks
    @staticmethod
    def _check_save_best(save_best: Any) -> list[str] | None:
        if save_best is None:
            return None
        if isinstance(save_best, str):
            return [save_best]
        if not _is_str_list(save_best):
            raise CheckpointHookTypeError(
                '"save_best" should be a str or list of str or None, but got '
                f"{type(save_best)}: {save_best!r}"
            )
        if "auto" in save_best and len(save_best) != 1:
            raise CheckpointHookArgumentError(
                f'Only support one "auto" in "save_best" list, got {save_best}: "auto" uses '
                "the first metric, so it cannot be combined with other keys"
            )
        if len(save_best) != len(set(save_best)):
            raise CheckpointHookArgumentError(
                f'Find duplicate element in "save_best": {save_best}'
            )
        return list(save_best)

    @staticmethod
    def _check_rule(rule: Any, save_best: list[str] | None) -> list[str | None]:
        if rule is not None and not (isinstance(rule, str) or _is_str_list(rule)):
            raise CheckpointHookTypeError(
                f'"rule" should be a str or list of str or None, but got {type(rule)}: {rule!r}'
            )
        if isinstance(rule, list):
            count = len(save_best or [])
            if len(rule) not in (1, count):
                raise CheckpointHookArgumentError(
                    f'Number of "rule" must be 1 or the same as number of "save_best" '
                    f"({count}), but got {len(rule)}: {rule}"
                )
            return list(rule)
        return [rule]

    @staticmethod
    def _check_keys(name: str, keys: Any, default: list[str]) -> list[str] | tuple[str, ...]:
        if keys is None:
            return default
        if not isinstance(keys, (list, tuple)):
            keys = (keys,)
        if not _is_str_seq(keys):
            raise CheckpointHookTypeError(
                f"CheckpointHook: {name} must be a str or a sequence of str, got {keys!r}"
            )
        return keys

    @staticmethod
    def _check_published_keys(published_keys: Any) -> list[str] | None:
        if published_keys is None:
            return None
        if isinstance(published_keys, str):
            return [published_keys]
        if not _is_str_seq(published_keys):
            raise CheckpointHookTypeError(
                '"published_keys" should be a str or a sequence of str or None, but got '
                f"{type(published_keys)}: {published_keys!r}"
            )
        if len(published_keys) != len(set(published_keys)):
            raise CheckpointHookArgumentError(
                f'Find duplicate elements in "published_keys": {list(published_keys)}'
            )
        return list(published_keys)

    def _init_rule(self, rules: list[str | None], key_indicators: list[str]) -> None:
        """Pick each key's comparison: the given rule, or one inferred from its name."""
        if len(rules) == 1:
            rules = rules * len(key_indicators)
        self.rules: list[str | None] = []
        greater = {key.lower() for key in self.greater_keys}
        less = {key.lower() for key in self.less_keys}
        for rule, key in zip(rules, key_indicators):
            if rule is not None and rule not in self.rule_map:
                raise UnknownRuleError(
                    f"rule must be greater, less or None, but got {rule!r}"
                    f"{did_you_mean(rule, self.rule_map)}"
                )
            if rule is None and key != "auto":
                lowered = key.lower()
                if lowered in greater:
                    rule = "greater"
                elif lowered in less:
                    rule = "less"
                elif any(item in lowered for item in greater):
                    rule = "greater"
                elif any(item in lowered for item in less):
                    rule = "less"
                else:
                    raise CheckpointHookArgumentError(
                        f"Cannot infer the rule for key {key}, thus a specific rule must be "
                        "specified: rule='greater' or rule='less' (keys containing one of "
                        f"{sorted(self.greater_keys)} are 'greater', {sorted(self.less_keys)} "
                        "'less')"
                    )
            if rule is not None:
                self.is_better_than[key] = self.rule_map[rule]
            self.rules.append(rule)
        self.key_indicators = key_indicators

    # ------------------------------------------------------------------ file helpers
    @property
    def file_client(self) -> Any:
        """mmengine's deprecated ``FileClient`` for ``out_dir`` (built on first use).

        Downstream hooks and tests read it (``file_client.join_path(...)``). Built lazily: an
        fsspec ``out_dir`` that ``FileClient`` does not know (``memory://``) still works for
        saving, and only reading this attribute reports the unsupported prefix.
        """
        if self.__dict__.get("_file_client") is None:
            from mmlight.fileio import FileClient

            folder = self.__dict__.get("_backend_dir")
            if folder is None:
                raise AttributeError("CheckpointHook.file_client is set in before_train")
            self._file_client: Any = FileClient.infer_client(self.file_client_args, folder)
        return self._file_client

    @property
    def file_backend(self) -> Any:
        """mmengine's storage backend for ``out_dir``: the ``file_client`` when
        ``file_client_args`` is given, else ``get_file_backend(out_dir, backend_args)``."""
        if self.file_client_args is not None:
            return self.file_client
        if self.__dict__.get("_file_backend") is None:
            from mmlight.fileio import get_file_backend

            folder = self.__dict__.get("_backend_dir")
            if folder is None:
                raise AttributeError("CheckpointHook.file_backend is set in before_train")
            self._file_backend: Any = get_file_backend(folder, backend_args=self.backend_args)
        return self._file_backend

    def _join(self, *parts: str) -> str:
        from mmlight.fileio import join_path

        return join_path(*parts, backend_args=self.backend_args)

    def _remove_path(self, path: str) -> bool:
        from mmlight.fileio import isdir, isfile, remove, rmtree

        if isfile(path, self.backend_args):
            remove(path, self.backend_args)
            return True
        if isdir(path, self.backend_args):
            rmtree(path, self.backend_args)
            return True
        return False

    def _remove_stale_temp_files(self, runner: Any) -> None:
        """Delete ``.iter_N.pth.tmp-*``, ``.last_checkpoint.tmp-*``: writes a kill cut short.

        Only atomic_write's own temporary names are touched. The run holds the work_dir (see
        :mod:`mmlight.runner.work_dir_lock`), so no other writer is using them.
        """
        from mmlight.fileio.atomic import remove_stale_temp_files

        folders = dict.fromkeys([str(runner.work_dir), self.out_dir])
        for folder in folders:
            backend_args = self.backend_args if folder == self.out_dir else None
            for path in remove_stale_temp_files(folder, backend_args):
                runner.logger.info(f"Removed {path}, left by a run killed while writing it")

    # ------------------------------------------------------------------ mount points
    def before_train(self, runner: Any) -> None:
        from mmlight.dist import is_main_process

        self._prepared = True
        if self.out_dir is None:
            self.out_dir = runner.work_dir
        self.out_dir = str(self.out_dir)
        # mmengine builds these for the out_dir before the experiment's folder is joined.
        self._file_client = None
        self._file_backend = None
        self._backend_dir = self.out_dir
        if self.out_dir != runner.work_dir:
            basename = osp.basename(runner.work_dir.rstrip(osp.sep))
            self.out_dir = self._join(self.out_dir, basename)
        runner.logger.info(f"Checkpoints will be saved to {self.out_dir}.")
        if is_main_process():
            self._remove_stale_temp_files(runner)

        hub = runner.message_hub
        if self.save_best is not None:
            if len(self.key_indicators) == 1:
                self.best_ckpt_path = self._resumed_best(runner, "best_ckpt")
            else:
                for key in self.key_indicators:
                    self.best_ckpt_path_dict[key] = self._resumed_best(runner, f"best_ckpt_{key}")

        if self.max_keep_ckpts > 0:
            keep_ckpt_ids: list[int] = []
            if "keep_ckpt_ids" in hub.runtime_info:
                keep_ckpt_ids = self._resumed_steps(runner, hub.get_info("keep_ckpt_ids"))
                while len(keep_ckpt_ids) > self.max_keep_ckpts:
                    step = keep_ckpt_ids.pop(0)
                    if is_main_process():
                        self._remove_path(self._join(self.out_dir, self.filename_tmpl.format(step)))
            self.keep_ckpt_ids: deque[int] = deque(keep_ckpt_ids, self.max_keep_ckpts)

    # The runtime info below comes from a resumed checkpoint: a file, not this run. Its paths
    # and steps decide what gets deleted, so only names this hook writes in out_dir count.
    def _resumed_best(self, runner: Any, info_key: str) -> str | None:
        """The previous best checkpoint a resumed run may later replace (and delete), or None
        when runtime info names none, or names anything but a ``best_*`` file in out_dir."""
        hub = runner.message_hub
        if info_key not in hub.runtime_info:
            return None
        path = hub.get_info(info_key)
        name = path.replace("\\", "/").rsplit("/", 1)[-1] if isinstance(path, str) else ""
        inside = bool(name) and name.startswith("best_") and _same_path(
            self._join(str(self.out_dir), name), path
        )
        if not inside:
            runner.logger.warning(
                f"the resumed checkpoint's runtime info {info_key}={path!r} is not a best_* "
                f"checkpoint in {self.out_dir}; it will not be replaced or deleted"
            )
            return None
        return str(path)

    @staticmethod
    def _resumed_steps(runner: Any, steps: Any) -> list[int]:
        """``keep_ckpt_ids`` from a resumed checkpoint: whole, non-negative step numbers only
        (each one becomes a file name to delete)."""
        values = list(steps) if isinstance(steps, (list, tuple)) else []
        kept = [step for step in values if type(step) is int and step >= 0]
        if len(kept) != len(values) or not isinstance(steps, (list, tuple)):
            runner.logger.warning(
                f"the resumed checkpoint's runtime info keep_ckpt_ids={steps!r} holds values "
                "that are not step numbers; they are ignored (no file is deleted for them)"
            )
        return kept

    def after_train_epoch(self, runner: Any) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_epoch(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.epoch + 1} epochs")
            self._save_checkpoint(runner)

    def after_train_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: dict | None = None,
    ) -> None:
        if self.by_epoch:
            return
        if self.every_n_train_iters(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_iter(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.iter + 1} iterations")
            self._save_checkpoint(runner)

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        if not metrics:
            runner.logger.warning(
                "Since `metrics` is an empty dict, the behavior to save the best checkpoint "
                "will be skipped in this evaluation."
            )
            return
        if not self._prepared:
            return  # runner.val() without training first: no training state to checkpoint
        self._save_best_checkpoint(runner, metrics)

    def after_train(self, runner: Any) -> None:
        if self.published_keys is None:
            return
        if self.save_last and self.last_ckpt is not None:
            self._publish_model(runner, self.last_ckpt)
        if getattr(self, "best_ckpt_path", None) is not None:
            self._publish_model(runner, str(self.best_ckpt_path))
        if getattr(self, "best_ckpt_path_dict", None) is not None:
            for best_ckpt in self.best_ckpt_path_dict.values():
                if best_ckpt is not None:
                    self._publish_model(runner, best_ckpt)

    # ------------------------------------------------------------------ saving
    def _publish_model(self, runner: Any, ckpt_path: str) -> None:
        """Keep ``published_keys`` only and save as ``<name>-<sha256[:8]>.pth``."""
        from mmlight.dist import is_main_process

        if not is_main_process():
            return
        from mmlight.logging import print_log
        from mmlight.runner.checkpoint import _load_checkpoint, save_checkpoint

        checkpoint = _load_checkpoint(ckpt_path)
        published = self.published_keys or []
        removed = [key for key in list(checkpoint) if key not in published]
        for key in removed:
            checkpoint.pop(key)
        if removed:
            print_log(
                f"Key {removed} will be removed because they are not found in published_keys. "
                f"If you want to keep them, please set `{removed}` in published_keys",
                logger="current",
            )
        sha = hashlib.sha256(pickle.dumps(checkpoint)).hexdigest()
        final_path = osp.splitext(ckpt_path)[0] + f"-{sha[:8]}.pth"
        save_checkpoint(checkpoint, final_path, backend_args=self.backend_args)
        print_log(f"The checkpoint ({ckpt_path}) is published to {final_path}.",
                  logger="current")

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        """Write the checkpoint, then ``last_checkpoint``, and only then prune the oldest.

        Each write is atomic and durable (see :func:`~mmlight.fileio.atomic_write`), so a crash
        at any moment leaves ``last_checkpoint`` naming a complete file that still exists.
        """
        from mmlight.dist import is_main_process
        from mmlight.fileio import atomic_write, join_path

        oldest: int | None = None
        if self.max_keep_ckpts > 0 and not (
            self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step
        ):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                oldest = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self._join(self.out_dir, ckpt_filename)
        runner.message_hub.update_info("last_ckpt", self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        atomic_write(join_path(runner.work_dir, "last_checkpoint"), self.last_ckpt.encode())
        if oldest is not None and oldest != step:
            self._remove_path(self._join(self.out_dir, self.filename_tmpl.format(oldest)))

    def _save_checkpoint(self, runner: Any) -> None:
        if self.by_epoch:
            step = runner.epoch + 1
            meta = dict(epoch=step, iter=runner.iter)
        else:
            step = runner.iter + 1
            meta = dict(epoch=runner.epoch, iter=step)
        self._save_checkpoint_with_step(runner, step, meta=meta)

    def _save_best_checkpoint(self, runner: Any, metrics: dict[str, Any]) -> None:
        from mmlight.dist import is_main_process

        if not self.save_best:
            return
        if self.by_epoch:
            ckpt_filename = self.filename_tmpl.format(runner.epoch)
            cur_type, cur_time = "epoch", runner.epoch
        else:
            ckpt_filename = self.filename_tmpl.format(runner.iter)
            cur_type, cur_time = "iter", runner.iter
        meta = dict(epoch=runner.epoch, iter=runner.iter)

        if "auto" in self.key_indicators:
            self._init_rule(self.rules, [next(iter(metrics))])

        hub = runner.message_hub
        best_ckpt_updated = False
        for key, rule in zip(self.key_indicators, self.rules):
            if key not in metrics:
                raise MissingMetricError(
                    f"CheckpointHook(save_best={self.save_best}): the evaluator returned no "
                    f"metric {key!r}{did_you_mean(key, metrics)}; it returned {list(metrics)}"
                )
            key_score = metrics[key]
            single = len(self.key_indicators) == 1
            best_score_key = "best_score" if single else f"best_score_{key}"
            best_ckpt_key = "best_ckpt" if single else f"best_ckpt_{key}"
            best_ckpt_path = self.best_ckpt_path if single else self.best_ckpt_path_dict[key]
            best_score = hub.get_info(best_score_key) if best_score_key in hub.runtime_info \
                else self.init_value_map[rule]  # type: ignore[index]
            if isinstance(best_score, (str, bytes, bool)) or not hasattr(best_score, "__float__"):
                runner.logger.warning(  # only a resumed checkpoint can have put it there
                    f"runtime info {best_score_key}={best_score!r} is not a score; comparing "
                    f"{key} with {self.init_value_map[rule]} instead"  # type: ignore[index]
                )
                best_score = self.init_value_map[rule]  # type: ignore[index]
            if key_score is None or not self.is_better_than[key](key_score, best_score):
                continue

            best_ckpt_updated = True
            best_score = key_score
            hub.update_info(best_score_key, best_score)

            best_ckpt_name = f"best_{key}_{ckpt_filename}".replace("/", "_")
            new_path = self._join(self.out_dir, best_ckpt_name)
            if single:
                self.best_ckpt_path = new_path
            else:
                self.best_ckpt_path_dict[key] = new_path
            hub.update_info(best_ckpt_key, new_path)
            runner.save_checkpoint(
                self.out_dir,
                filename=best_ckpt_name,
                file_client_args=self.file_client_args,
                save_optimizer=False,
                save_param_scheduler=False,
                meta=meta,
                by_epoch=False,
                backend_args=self.backend_args,
            )
            # Only now that the new best is in place may the previous one go.
            if (best_ckpt_path and best_ckpt_path != new_path and is_main_process()
                    and self._remove_path(best_ckpt_path)):
                runner.logger.info(f"The previous best checkpoint {best_ckpt_path} is removed")
            runner.logger.info(
                f"The best checkpoint with {best_score:0.4f} {key} at {cur_time} {cur_type} "
                f"is saved to {best_ckpt_name}."
            )

        if best_ckpt_updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, cur_time, meta)


def _same_path(left: str, right: str) -> bool:
    """Equal after normalizing ('a/./b' is 'a/b'); URLs compare as written."""
    if "://" in left or "://" in right:
        return left == right
    return osp.normpath(osp.abspath(left)) == osp.normpath(osp.abspath(right))
