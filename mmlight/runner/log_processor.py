"""LogProcessor: turns the message hub's scalars into a log line and a dict for vis backends.

The output is character-for-character mmengine's, e.g.::

    Epoch(train) [1][10/25]  lr: 1.0000e-02  eta: 0:00:05  time: 0.0019  data_time: 0.0004

It reads the runner exactly as mmengine's LogProcessor does: ``runner.message_hub``,
``runner.iter``, ``runner.epoch``, ``runner.max_epochs``, ``runner.max_iters``,
``runner._train_loop`` (None or a config dict when no train loop was built, e.g. in
``runner.val()``/``runner.test()``), ``runner.train_loop``/``val_loop``/``test_loop``
``.dataloader`` (for its length) and ``runner.model.output_device`` (for CUDA memory).

Per scalar of the current mode (hub key ``<mode>/<name>``): keys matching ``mean_pattern``
are averaged over ``window_size`` updates, the others show their latest value. ``custom_cfg``
adds or overrides entries::

    custom_cfg=[dict(data_src='loss', method_name='mean', window_size='global',
                     log_name='loss_global')]

``window_size`` there is an int, ``'epoch'`` (the updates of this epoch) or ``'global'``
(all updates of the run); ``method_name`` is a HistoryBuffer statistic (mean, max, min,
current, or one registered with ``HistoryBuffer.register_statistics``).
"""

from __future__ import annotations

import copy
import datetime
import re
import sys
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from mmlight.logging.errors import CustomCfgError, LogModeError
from mmlight.logging.history_buffer import HistoryBuffer
from mmlight.registry import LOG_PROCESSORS

__all__ = ["LogProcessor"]

_MODES = ("train", "val", "test")
_WINDOW_WORDS = ("epoch", "global")


def _check_mode(mode: str, allowed: Sequence[str], method: str) -> None:
    if mode not in allowed:
        raise LogModeError(
            f"LogProcessor.{method}() mode must be one of {list(allowed)}, but got {mode!r}"
        )


def _is_array_like(value: Any) -> bool:
    """numpy arrays and torch tensors print on their own lines in epoch logs."""
    numpy = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    return (numpy is not None and isinstance(value, numpy.ndarray)) or (
        torch is not None and isinstance(value, torch.Tensor)
    )


def _custom_cfg_problems(custom_cfg: Iterable[Any], by_epoch: bool) -> list[str]:
    """Everything wrong with ``custom_cfg``, one line per problem, naming the entry."""
    problems: list[str] = []
    owners: dict[str, int] = {}
    statistics = sorted(HistoryBuffer._statistics_methods)
    for index, entry in enumerate(custom_cfg):
        where = f"custom_cfg[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a dict, but got {type(entry).__name__}: {entry!r}")
            continue
        data_src = entry.get("data_src")
        if not isinstance(data_src, str):
            problems.append(
                f"{where} needs 'data_src', the name of a logged scalar (got {entry!r})"
            )
            continue
        method = entry.get("method_name")
        if method is None:
            hint = " ('method' is spelt 'method_name')" if "method" in entry else ""
            problems.append(f"{where} needs 'method_name', one of {statistics}{hint}")
        elif method not in HistoryBuffer._statistics_methods:
            problems.append(
                f"{where} method_name={method!r} is not a HistoryBuffer statistic; "
                f"valid: {statistics}"
            )
        window = entry.get("window_size")
        if window is not None and not isinstance(window, int) and window not in _WINDOW_WORDS:
            problems.append(
                f"{where} window_size must be an int, 'epoch' or 'global', but got {window!r}"
            )
        elif window == "epoch" and not by_epoch:
            problems.append(
                f"{where} window_size='epoch' needs by_epoch=True; use an int or 'global'"
            )
        log_name = entry.get("log_name", data_src)
        if log_name in owners:
            problems.append(
                f"{where} writes {log_name!r}, which custom_cfg[{owners[log_name]}] already "
                "writes; give one of them a different 'log_name' (without 'log_name', an entry "
                "overwrites its 'data_src')"
            )
        else:
            owners[log_name] = index
    return problems


@LOG_PROCESSORS.register_module()
class LogProcessor:
    """Formats the message hub's scalars into log strings and tag dicts.

    Args:
        window_size: number of updates that ``mean_pattern`` keys are averaged over.
        by_epoch: headers show ``Epoch(mode) [e][i/n]`` (True) or ``Iter(mode) [i/n]``.
        custom_cfg: extra statistics; see the module docstring.
        num_digits: digits after the point for floats (and lr, in ``e`` notation).
        log_with_hierarchy: keep the ``train/``, ``val/`` prefixes in the returned tags.
        mean_pattern: regex of scalar names to smooth over ``window_size``.
    """

    def __init__(
        self,
        window_size: int = 10,
        by_epoch: bool = True,
        custom_cfg: list[dict[str, Any]] | None = None,
        num_digits: int = 4,
        log_with_hierarchy: bool = False,
        mean_pattern: str = r".*(loss|time|data_time|grad_norm).*",
    ) -> None:
        for arg, value in (("window_size", window_size), ("num_digits", num_digits)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise CustomCfgError(
                    f"LogProcessor({arg}=...) must be an int, but got "
                    f"{type(value).__name__}: {value!r}"
                )
        if custom_cfg is not None and not isinstance(custom_cfg, (list, tuple)):
            raise CustomCfgError(
                f"LogProcessor(custom_cfg=...) must be a list of dicts, but got "
                f"{type(custom_cfg).__name__}: {custom_cfg!r}"
            )
        self.window_size = window_size
        self.by_epoch = by_epoch
        self.custom_cfg: list[dict[str, Any]] = list(custom_cfg) if custom_cfg else []
        self.num_digits = num_digits
        self.log_with_hierarchy = log_with_hierarchy
        self.mean_pattern = re.compile(mean_pattern)
        self._check_custom_cfg()

    def _check_custom_cfg(self) -> None:
        problems = _custom_cfg_problems(self.custom_cfg, self.by_epoch)
        if problems:
            raise CustomCfgError("invalid LogProcessor custom_cfg:\n  " + "\n  ".join(problems))

    # -- public API ------------------------------------------------------------------------

    def get_log_after_iter(self, runner: Any, batch_idx: int, mode: str) -> tuple[dict, str]:
        """``(tag, log_str)`` after iteration ``batch_idx`` of ``mode`` ('train'/'val'/'test')."""
        _check_mode(mode, _MODES, "get_log_after_iter")
        parsed_cfg = self._parse_windows_size(runner, batch_idx, self.custom_cfg)
        log_tag = self._collect_scalars(parsed_cfg, runner, mode)
        if self.log_with_hierarchy:
            tag = self._collect_scalars(parsed_cfg, runner, mode, True)
        else:
            tag = copy.deepcopy(log_tag)

        lr_parts = []
        for key, value in tag.items():
            if key.endswith("lr"):
                short = self._remove_prefix(key, f"{mode}/")
                log_tag.pop(short)
                lr_parts.append(f"{short}: {value:.{self.num_digits}e}")
        log_str = self._iter_header(runner, batch_idx, mode, tag) + " ".join(lr_parts) + "  "
        tag["iter"] = runner.iter + 1 if self._has_train_loop(runner) else 0

        hub = runner.message_hub
        if "time" in log_tag and "data_time" in log_tag and "eta" in hub.runtime_info:
            eta = datetime.timedelta(seconds=int(hub.get_info("eta")))
            log_str += (
                f"eta: {eta}  "
                f"time: {log_tag.pop('time'):.{self.num_digits}f}  "
                f"data_time: {log_tag.pop('data_time'):.{self.num_digits}f}  "
            )
        memory = self._get_max_memory(runner) if self._cuda_available() else None
        if memory is not None:
            log_str += f"memory: {memory}  "
            tag["memory"] = memory

        if mode in ("train", "val"):
            items = [
                f"{name}: {self._format_value(value)}"
                for name, value in log_tag.items()
                if mode == "train" or name.startswith("val/loss")
            ]
            log_str += "  ".join(items)
        return tag, log_str

    def get_log_after_epoch(
        self, runner: Any, batch_idx: int, mode: str, with_non_scalar: bool = False
    ) -> tuple[dict, str]:
        """``(tag, log_str)`` after a val or test epoch: metrics, then epoch-mean times."""
        _check_mode(mode, ("test", "val"), "get_log_after_epoch")
        length = self._get_dataloader_size(runner, mode)
        if not self.by_epoch:
            log_str = f"Iter({mode}) [{length}/{length}]  "
        elif mode == "val":
            log_str = f"Epoch({mode}) [{self._get_epoch(runner, mode)}][{length}/{length}]  "
        else:
            log_str = f"Epoch({mode}) [{length}/{length}]  "

        cfg = copy.deepcopy(self.custom_cfg)
        custom_sources = {self._remove_prefix(c["data_src"], f"{mode}/") for c in cfg}
        for name in ("time", "data_time"):
            if name not in custom_sources:
                cfg.append({"data_src": name, "window_size": "epoch", "method_name": "mean"})
        parsed_cfg = self._parse_windows_size(runner, batch_idx, cfg)
        scalars = self._collect_scalars(parsed_cfg, runner, mode, self.log_with_hierarchy)
        non_scalars = self._collect_non_scalars(runner, mode)

        time_keys = {f"{mode}/time", f"{mode}/data_time", "time", "data_time"}
        tag: OrderedDict[str, Any] = OrderedDict()
        times: OrderedDict[str, Any] = OrderedDict()
        for key, value in scalars.items():
            (times if key in time_keys else tag)[key] = value

        items = []
        for name, value in chain(tag.items(), non_scalars.items(), times.items()):
            text = f"\n{value}\n" if _is_array_like(value) else self._format_value(value)
            items.append(f"{name}: {text}")
        log_str += "  " + "  ".join(items)

        if with_non_scalar:
            tag.update(non_scalars)
        tag.update(times)
        return tag, log_str

    # -- collection ------------------------------------------------------------------------

    def _collect_scalars(
        self, custom_cfg: list[dict], runner: Any, mode: str, reserve_prefix: bool = False
    ) -> OrderedDict[str, Any]:
        """Statistics of ``mode``'s scalars: defaults first, then ``custom_cfg`` entries.

        ``custom_cfg`` must already have int window sizes (see ``_parse_windows_size``).
        """
        buffers: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in runner.message_hub.log_scalars.items():
            if key.startswith(mode):
                buffers[key if reserve_prefix else self._remove_prefix(key, f"{mode}/")] = buffer
        tag: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in buffers.items():
            if self.mean_pattern.search(key) is not None:
                tag[key] = buffer.mean(self.window_size)
            else:
                tag[key] = buffer.current()
        for entry in custom_cfg:
            kwargs = dict(entry)
            data_src = kwargs.pop("data_src")
            log_name = kwargs.pop("log_name", data_src)
            if reserve_prefix:
                data_src, log_name = f"{mode}/{data_src}", f"{mode}/{log_name}"
            if data_src in buffers:
                tag[log_name] = buffers[data_src].statistics(**kwargs)
        return tag

    def _collect_non_scalars(self, runner: Any, mode: str) -> OrderedDict[str, Any]:
        """``mode``'s runtime info (metrics that are not scalars: arrays, lists ...)."""
        infos: OrderedDict[str, Any] = OrderedDict()
        for key, value in runner.message_hub.runtime_info.items():
            if key.startswith(mode):
                name = key if self.log_with_hierarchy else self._remove_prefix(key, f"{mode}/")
                infos[name] = value
        return infos

    def _parse_windows_size(
        self, runner: Any, batch_idx: int, custom_cfg: list[dict] | None = None
    ) -> list[dict]:
        """A copy of ``custom_cfg`` with 'epoch'/'global' windows turned into counts."""
        parsed = copy.deepcopy(self.custom_cfg if custom_cfg is None else custom_cfg)
        for entry in parsed:
            window = entry.get("window_size")
            if window is None or isinstance(window, int):
                continue
            if window == "epoch":
                entry["window_size"] = batch_idx + 1
            elif window == "global":
                entry["window_size"] = runner.iter + 1
            else:
                raise CustomCfgError(
                    f"custom_cfg window_size must be an int, 'epoch' or 'global', but got "
                    f"{window!r} (in {entry!r})"
                )
        return parsed

    # -- header pieces ---------------------------------------------------------------------

    def _iter_header(self, runner: Any, batch_idx: int, mode: str, tag: dict) -> str:
        """``Epoch(train)  [1][ 5/25]  `` and friends; sets ``tag['epoch']`` where shown."""
        if not self.by_epoch:
            if mode == "train":
                total = runner.max_iters
                current = str(self._get_iter(runner, batch_idx)).rjust(len(str(total)))
            else:
                total = self._get_dataloader_size(runner, mode)
                current = str(batch_idx + 1).rjust(len(str(total)))
            return f"Iter({mode}) [{current}/{total}]  "
        length = self._get_dataloader_size(runner, mode)
        current = str(self._get_iter(runner, batch_idx)).rjust(len(str(length)))
        if mode == "test":
            return f"Epoch({mode}) [{current}/{length}]  "
        epoch = self._get_epoch(runner, mode)
        epoch_str = f"[{epoch}]"
        if self._has_train_loop(runner):
            # right-align under the widest epoch: "[" + digits + "]" plus one space
            epoch_str = epoch_str.rjust(len(str(runner.max_epochs)) + 3)
        tag["epoch"] = epoch
        return f"Epoch({mode}){epoch_str}[{current}/{length}]  "

    def _format_value(self, value: Any) -> str:
        return f"{value:.{self.num_digits}f}" if isinstance(value, float) else f"{value}"

    @staticmethod
    def _has_train_loop(runner: Any) -> bool:
        """Whether a train loop was built (not during a bare ``runner.val()``/``test()``)."""
        try:
            loop = runner._train_loop
        except AttributeError:
            raise AttributeError(
                f"LogProcessor needs runner._train_loop (None or a config dict when there is no "
                f"built train loop), which {type(runner).__name__} does not have"
            ) from None
        return not (loop is None or isinstance(loop, dict))

    def _remove_prefix(self, string: str, prefix: str) -> str:
        return string[len(prefix) :] if string.startswith(prefix) else string

    def _get_iter(self, runner: Any, batch_idx: int) -> int:
        """1-based position: in the epoch (by_epoch) or in the whole run."""
        return batch_idx + 1 if self.by_epoch else runner.iter + 1

    def _get_epoch(self, runner: Any, mode: str) -> int:
        """Epoch shown in train (1-based, in progress) and val (already advanced) headers."""
        if mode == "train":
            return runner.epoch + 1
        if mode == "val":
            return runner.epoch if self._has_train_loop(runner) else 0
        raise ValueError(f"runner mode should be 'train' or 'val', but got {mode!r}")

    def _get_cur_loop(self, runner: Any, mode: str) -> Any:
        if mode == "train":
            return runner.train_loop
        if mode == "val":
            return runner.val_loop
        return runner.test_loop

    def _get_dataloader_size(self, runner: Any, mode: str) -> int:
        return len(self._get_cur_loop(runner=runner, mode=mode).dataloader)

    # -- memory ----------------------------------------------------------------------------

    @staticmethod
    def _cuda_available() -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and bool(torch.cuda.is_available())

    def _get_max_memory(self, runner: Any) -> int:
        """Peak CUDA memory allocated since the last call, in MiB (the peak is then reset)."""
        import torch

        device = getattr(runner.model, "output_device", None)
        peak = torch.cuda.max_memory_allocated(device=device)
        torch.cuda.reset_peak_memory_stats(device)
        return int(peak) // (1024 * 1024)
