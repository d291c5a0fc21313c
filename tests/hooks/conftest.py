"""Test doubles for hook tests: a runner with mmengine's runner API, and its parts.

``RunnerDouble`` stands in for ``mmlight.runner.Runner`` (under construction): it has exactly
the attributes mmengine's hooks read, as plain values the tests set. The message hub double
keeps every value it was given, so tests can check the whole history, not just the last one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest


class _Buffer:
    def __init__(self) -> None:
        self.values: list[Any] = []

    def current(self) -> Any:
        return self.values[-1]


class HubDouble:
    """The part of MessageHub's API hooks use."""

    def __init__(self) -> None:
        self.scalars: dict[str, _Buffer] = {}
        self.info: dict[str, Any] = {}

    def update_scalar(self, key: str, value: Any, count: int = 1, resumed: bool = True) -> None:
        self.scalars.setdefault(key, _Buffer()).values.append(value)

    def get_scalar(self, key: str) -> _Buffer:
        return self.scalars[key]

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        self.info[key] = value

    def update_info_dict(self, info_dict: dict, resumed: bool = True) -> None:
        self.info.update(info_dict)

    def get_info(self, key: str, default: Any = None) -> Any:
        return self.info.get(key, default)

    def pop_info(self, key: str, default: Any = None) -> Any:
        return self.info.pop(key, default)

    def history(self, key: str) -> list[Any]:
        return self.scalars[key].values


class LogProcessorDouble:
    """Returns a tag and a line that name the call, and remembers the calls."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def get_log_after_iter(self, runner: Any, batch_idx: int, mode: str) -> tuple[dict, str]:
        self.calls.append(("iter", mode, batch_idx, runner.iter))
        return {"loss": 0.5, "iter": runner.iter + 1}, f"{mode} iter line {batch_idx}"

    def get_log_after_epoch(
        self, runner: Any, batch_idx: int, mode: str, with_non_scalar: bool = False
    ) -> tuple[dict, str]:
        self.calls.append(("epoch", mode, batch_idx, with_non_scalar))
        return {"acc": 0.75, "epoch": runner.epoch}, f"{mode} epoch line {batch_idx}"


class VisualizerDouble:
    def __init__(self) -> None:
        self.scalars: list[tuple[dict, int, str | None]] = []
        self.configs: list[Any] = []
        self.closed = 0

    def add_config(self, config: Any, **kwargs: Any) -> None:
        self.configs.append(config)

    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None) -> None:
        self.scalars.append((dict(scalar_dict), step, file_path))

    def close(self) -> None:
        self.closed += 1


class OptimWrapperDouble:
    """``get_lr`` as OptimWrapper reports it: name -> one value per param group."""

    def __init__(self, lrs: dict[str, list[float]]) -> None:
        self.lrs = lrs

    def get_lr(self) -> Any:
        return self.lrs


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class RunnerDouble(SimpleNamespace):
    """mmengine's runner API as plain attributes (stands in for the Runner under construction)."""

    messages: list[str]


_counter = iter(range(1_000_000))


@pytest.fixture
def make_runner(tmp_path: Path) -> Iterator[Callable[..., RunnerDouble]]:
    """Factory of runner doubles; keyword arguments override or add attributes."""
    loggers: list[logging.Logger] = []

    def factory(**overrides: Any) -> RunnerDouble:
        logger = logging.getLogger(f"mmlight-hook-tests-{next(_counter)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        handler = RecordingHandler()
        logger.addHandler(handler)
        loggers.append(logger)
        train_loader = overrides.pop("train_dataloader", list(range(4)))
        train_loop = SimpleNamespace(
            dataloader=train_loader, stop_training=False, iter=0, epoch=0, max_iters=8,
            max_epochs=2,
        )  # fmt: skip
        work_dir = tmp_path / "work_dirs" / "exp"
        attrs: dict[str, Any] = dict(
            epoch=0,
            iter=0,
            max_epochs=2,
            max_iters=8,
            model=None,
            optim_wrapper=OptimWrapperDouble({"lr": [0.1]}),
            param_schedulers=None,
            message_hub=HubDouble(),
            logger=logger,
            log_processor=LogProcessorDouble(),
            visualizer=VisualizerDouble(),
            work_dir=str(work_dir),
            log_dir=str(work_dir / "20240101_000000"),
            timestamp="20240101_000000",
            experiment_name="exp_20240101_000000",
            cfg=SimpleNamespace(pretty_text="model = dict(type='Toy')\n"),
            seed=42,
            train_loop=train_loop,
            val_loop=None,
            test_loop=None,
            train_dataloader=train_loader,
            val_dataloader=list(range(3)),
            test_dataloader=list(range(5)),
            rank=0,
            world_size=1,
            distributed=False,
        )
        attrs.update(overrides)
        runner = RunnerDouble(**attrs)
        runner.messages = handler.messages
        return runner

    yield factory
    for logger in loggers:
        logger.handlers.clear()
