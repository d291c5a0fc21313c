"""mmlight.runner.LogProcessor: log strings, tags, custom_cfg, validation, registry."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer, MessageHub
from mmlight.logging.errors import CustomCfgError, LogModeError
from mmlight.registry import LOG_PROCESSORS
from mmlight.runner import LogProcessor

CUDA = torch.cuda.is_available()


class _Loop:
    def __init__(self, length: int) -> None:
        self.dataloader = list(range(length))


class RunnerDouble:
    """Test double for mmlight's Runner (not written yet): only what LogProcessor reads."""

    def __init__(
        self,
        hub: MessageHub,
        *,
        iter: int = 9,
        epoch: int = 0,
        max_iters: int = 100,
        max_epochs: int = 12,
        lengths: tuple[int, int, int] = (25, 8, 8),
        has_train_loop: bool = True,
    ) -> None:
        self.message_hub = hub
        self.iter, self.epoch = iter, epoch
        self.max_iters, self.max_epochs = max_iters, max_epochs
        self._train_loop: Any = (
            _Loop(lengths[0]) if has_train_loop else {"type": "EpochBasedTrainLoop"}
        )
        self.train_loop = self._train_loop
        self.val_loop, self.test_loop = _Loop(lengths[1]), _Loop(lengths[2])
        self.model = torch.nn.Linear(1, 1)


@pytest.fixture(autouse=True)
def _fresh_hubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(MessageHub, "_instance_dict", OrderedDict())
    yield


def _train_hub() -> MessageHub:
    hub = MessageHub("train")
    for i in range(10):
        hub.update_scalar("train/lr", 0.01)
        hub.update_scalar("train/loss", float(i))  # mean of 0..9 = 4.5
        hub.update_scalar("train/time", 0.5)
        hub.update_scalar("train/data_time", 0.25)
        hub.update_scalar("train/acc", float(i) / 10)  # not smoothed: current 0.9
    hub.update_info("eta", 3725.9)
    return hub


def _strip_memory(log: str) -> str:
    return log.replace(" memory: ", " ") if not CUDA else log


def test_train_line_by_epoch() -> None:
    tag, log = LogProcessor().get_log_after_iter(RunnerDouble(_train_hub()), 9, "train")
    expected = (
        "Epoch(train)  [1][10/25]  lr: 1.0000e-02  eta: 1:02:05  time: 0.5000  "
        "data_time: 0.2500  loss: 4.5000  acc: 0.9000"
    )
    if CUDA:
        assert log.startswith(expected.split("  loss")[0]) and "memory: " in log
    else:
        assert log == expected
    assert list(tag)[:7] == ["lr", "loss", "time", "data_time", "acc", "epoch", "iter"]
    assert tag["loss"] == 4.5 and tag["acc"] == 0.9 and tag["epoch"] == 1 and tag["iter"] == 10


def test_train_line_by_iter_and_digits() -> None:
    processor = LogProcessor(by_epoch=False, num_digits=2, window_size=2)
    tag, log = processor.get_log_after_iter(RunnerDouble(_train_hub()), 3, "train")
    assert log.startswith("Iter(train) [ 10/100]  lr: 1.00e-02  eta: 1:02:05  time: 0.50  ")
    assert log.endswith("loss: 8.50  acc: 0.90")
    assert "epoch" not in tag and tag["iter"] == 10


def test_no_eta_without_timer_info() -> None:
    hub = _train_hub()
    hub.pop_info("eta")
    _, log = LogProcessor().get_log_after_iter(RunnerDouble(hub), 9, "train")
    assert "eta" not in log and "time: 0.5000" in log  # time falls back to a plain item
    assert log.endswith("acc: 0.9000")


def test_hierarchy_keeps_prefixes_in_tag_only() -> None:
    tag, log = LogProcessor(log_with_hierarchy=True).get_log_after_iter(
        RunnerDouble(_train_hub()), 9, "train"
    )
    assert "train/loss" in tag and "train/lr" in tag and "loss" not in tag
    assert "lr: 1.0000e-02" in log and "loss: 4.5000" in log and "train/" not in log


def test_custom_cfg_windows_and_names() -> None:
    custom: list[dict[str, Any]] = [
        {"data_src": "loss", "method_name": "mean", "window_size": "global", "log_name": "gl"},
        {"data_src": "loss", "method_name": "max", "window_size": 3},
        {"data_src": "acc", "method_name": "min", "window_size": "epoch", "log_name": "acc_min"},
        {"data_src": "missing", "method_name": "mean"},
    ]
    runner = RunnerDouble(_train_hub(), iter=4)  # 'global' = last 5 updates
    tag, log = LogProcessor(custom_cfg=custom).get_log_after_iter(runner, 1, "train")
    assert tag["gl"] == 7.0 and tag["loss"] == 9.0 and tag["acc_min"] == 0.8
    assert "missing" not in tag
    assert log.endswith("loss: 9.0000  acc: 0.9000  gl: 7.0000  acc_min: 0.8000")
    assert custom[0]["window_size"] == "global"  # the user's config is not modified


def test_val_and_test_iter_lines() -> None:
    hub = MessageHub("vt")
    hub.update_scalar("val/loss", 0.5)
    hub.update_scalar("val/acc", 0.7)
    hub.update_scalar("test/acc", 0.6)
    runner = RunnerDouble(hub, epoch=2)
    _, val_log = LogProcessor().get_log_after_iter(runner, 3, "val")
    _, test_log = LogProcessor().get_log_after_iter(runner, 3, "test")
    _, iter_log = LogProcessor(by_epoch=False).get_log_after_iter(runner, 3, "val")
    assert _strip_memory(val_log) == "Epoch(val)  [2][4/8]    "
    assert _strip_memory(test_log) == "Epoch(test) [4/8]    "
    assert _strip_memory(iter_log) == "Iter(val) [4/8]    "
    _, hier = LogProcessor(log_with_hierarchy=True).get_log_after_iter(runner, 3, "val")
    assert hier == "Epoch(val)  [2][4/8]    "  # val lines show only 'val/loss*' tags


def test_val_without_train_loop() -> None:
    hub = MessageHub("v")
    hub.update_scalar("val/acc", 0.7)
    tag, log = LogProcessor().get_log_after_iter(RunnerDouble(hub, has_train_loop=False), 0, "val")
    assert log.startswith("Epoch(val)[0][1/8]  ")  # mmengine's spacing: no train loop, no pad
    assert tag["epoch"] == 0 and tag["iter"] == 0


def test_epoch_lines_put_times_last() -> None:
    hub = MessageHub("e")
    for i in range(8):
        hub.update_scalar("val/time", 0.5)
        hub.update_scalar("val/data_time", 0.1)
        hub.update_scalar("val/loss", float(i))
    hub.update_scalar("val/accuracy/top1", 71.25)
    hub.update_info("val/cm", np.eye(2))
    hub.update_info("test/other", 1)
    runner = RunnerDouble(hub, epoch=3)
    tag, log = LogProcessor().get_log_after_epoch(runner, 7, "val")
    assert log == (
        "Epoch(val) [3][8/8]    loss: 3.5000  accuracy/top1: 71.2500  "
        f"cm: \n{np.eye(2)}\n  time: 0.5000  data_time: 0.1000"
    )
    assert list(tag) == ["loss", "accuracy/top1", "time", "data_time"]
    tag, _ = LogProcessor(log_with_hierarchy=True).get_log_after_epoch(runner, 7, "val", True)
    assert list(tag) == ["val/loss", "val/accuracy/top1", "val/cm", "val/time", "val/data_time"]
    _, test_log = LogProcessor().get_log_after_epoch(runner, 7, "test")
    assert test_log == "Epoch(test) [8/8]    other: 1"
    _, iter_log = LogProcessor(by_epoch=False).get_log_after_epoch(runner, 7, "val")
    assert iter_log.startswith("Iter(val) [8/8]    loss: 3.5000")


def test_epoch_time_window_is_the_epoch() -> None:
    hub = MessageHub("w")
    for value in (10.0, 1.0, 3.0):
        hub.update_scalar("test/time", value)
        hub.update_scalar("test/data_time", value)
    tag, _ = LogProcessor().get_log_after_epoch(RunnerDouble(hub), 1, "test")
    assert tag["time"] == 2.0  # mean of the last batch_idx + 1 = 2 updates
    custom = [{"data_src": "time", "method_name": "max"}]
    tag, _ = LogProcessor(custom_cfg=custom).get_log_after_epoch(RunnerDouble(hub), 1, "test")
    assert tag["time"] == 10.0 and tag["data_time"] == 2.0


def test_wide_epoch_alignment() -> None:
    runner = RunnerDouble(_train_hub(), epoch=8, max_epochs=100, lengths=(270, 8, 8))
    _, log = LogProcessor().get_log_after_iter(runner, 9, "train")
    assert log.startswith("Epoch(train)   [9][ 10/270]  ")


@pytest.mark.parametrize(
    ("custom", "by_epoch", "match"),
    [
        ([{"method_name": "mean"}], True, r"custom_cfg\[0\] needs 'data_src'"),
        ([{"data_src": "loss"}], True, r"custom_cfg\[0\] needs 'method_name', one of \["),
        (
            [{"data_src": "loss", "method": "mean"}],
            True,
            "'method' is spelt 'method_name'",
        ),
        (
            [{"data_src": "loss", "method_name": "median"}],
            True,
            r"method_name='median' is not a HistoryBuffer statistic; valid: \['current'",
        ),
        (
            [{"data_src": "loss", "method_name": "mean", "window_size": "epochs"}],
            True,
            r"custom_cfg\[0\] window_size must be an int, 'epoch' or 'global', but got 'epochs'",
        ),
        (
            [{"data_src": "loss", "method_name": "mean", "window_size": "epoch"}],
            False,
            r"custom_cfg\[0\] window_size='epoch' needs by_epoch=True",
        ),
        (
            [
                {"data_src": "loss", "method_name": "mean"},
                {"data_src": "loss", "method_name": "max"},
            ],
            True,
            r"custom_cfg\[1\] writes 'loss', which custom_cfg\[0\] already writes",
        ),
        (["loss"], True, r"custom_cfg\[0\] must be a dict, but got str"),
    ],
)
def test_custom_cfg_errors(custom: list, by_epoch: bool, match: str) -> None:
    with pytest.raises(CustomCfgError, match=match) as info:
        LogProcessor(custom_cfg=custom, by_epoch=by_epoch)
    assert isinstance(info.value, AssertionError) and isinstance(info.value, TypeError)


def test_all_custom_cfg_problems_reported_together() -> None:
    custom = [{"data_src": "a"}, {"data_src": "b", "method_name": "x"}]
    with pytest.raises(CustomCfgError) as info:
        LogProcessor(custom_cfg=custom)
    assert "custom_cfg[0]" in str(info.value) and "custom_cfg[1]" in str(info.value)


def test_custom_statistic_registered_before_use() -> None:
    def spread(buffer: HistoryBuffer, window_size: int) -> Any:
        return buffer.max(window_size) - buffer.min(window_size)

    HistoryBuffer.register_statistics(spread)
    try:
        custom = [{"data_src": "loss", "method_name": "spread", "window_size": 4}]
        tag, _ = LogProcessor(custom_cfg=custom).get_log_after_iter(
            RunnerDouble(_train_hub()), 9, "train"
        )
        assert tag["loss"] == 3.0
    finally:
        del HistoryBuffer._statistics_methods["spread"]


def test_argument_and_mode_errors() -> None:
    with pytest.raises(CustomCfgError, match=r"LogProcessor\(window_size=...\) must be an int"):
        LogProcessor(window_size="10")  # type: ignore[arg-type]
    with pytest.raises(CustomCfgError, match=r"custom_cfg=\.\.\.\) must be a list of dicts"):
        LogProcessor(custom_cfg={"data_src": "loss"})  # type: ignore[arg-type]
    processor = LogProcessor()
    runner = RunnerDouble(_train_hub())
    with pytest.raises(LogModeError, match=r"mode must be one of \['train', 'val', 'test'\]"):
        processor.get_log_after_iter(runner, 0, "predict")
    with pytest.raises(LogModeError, match=r"get_log_after_epoch\(\) mode must be one of"):
        processor.get_log_after_epoch(runner, 0, "train")


def test_runner_without_train_loop_attribute() -> None:
    class Bare:
        message_hub = _train_hub()
        iter = epoch = 0
        test_loop = _Loop(8)

    with pytest.raises(AttributeError, match=r"LogProcessor needs runner\._train_loop"):
        LogProcessor().get_log_after_iter(Bare(), 0, "test")


def test_registered_and_buildable() -> None:
    processor = LOG_PROCESSORS.build({"type": "LogProcessor", "window_size": 5, "by_epoch": False})
    assert isinstance(processor, LogProcessor)
    assert processor.window_size == 5 and processor.by_epoch is False
    assert processor.mean_pattern.pattern == r".*(loss|time|data_time|grad_norm).*"


@pytest.mark.skipif(not CUDA, reason="memory is only logged with CUDA")
def test_memory_on_cuda() -> None:
    tag, log = LogProcessor().get_log_after_iter(RunnerDouble(_train_hub()), 9, "train")
    assert isinstance(tag["memory"], int) and f"memory: {tag['memory']}  " in log
