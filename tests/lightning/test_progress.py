"""Progress bar: on for a terminal, off otherwise, MMLIGHT_PROGRESS and config overrides,
and MMEngine's log lines kept whole while the bar is drawn."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mmlight.lightning.progress import (
    ENV_VAR,
    TqdmAwareStream,
    progress_enabled,
    progress_trainer_kwargs,
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "stream", "expected"),
    [
        (None, io.StringIO(), False),  # redirected / captured stdout
        (None, _Tty(), True),
        ("0", _Tty(), False),
        ("off", _Tty(), False),
        ("1", io.StringIO(), True),
        ("yes", io.StringIO(), True),
    ],
)
def test_progress_enabled(monkeypatch, env, stream, expected) -> None:
    if env is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, env)
    assert progress_enabled(stream) is expected


def test_bad_environment_value_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, "maybe")
    with pytest.raises(ValueError, match=r"MMLIGHT_PROGRESS='maybe' is not understood; use "):
        progress_enabled()


def _runner(**trainer_kwargs: Any) -> SimpleNamespace:
    logger = logging.Logger("progress-test")
    console = io.StringIO()
    logger.addHandler(logging.StreamHandler(console))
    return SimpleNamespace(logger=logger, trainer_kwargs=trainer_kwargs, rank=0, console=console)


def test_disabled_bar_leaves_the_logger_alone(monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, "0")
    runner = _runner()
    assert progress_trainer_kwargs(runner) == dict(enable_progress_bar=False)
    assert runner.logger.handlers[0].stream is runner.console


@pytest.mark.parametrize(("env", "user"), [("1", {}), ("0", dict(enable_progress_bar=True))])
def test_enabled_bar_routes_console_lines_through_tqdm(monkeypatch, env, user) -> None:
    monkeypatch.setenv(ENV_VAR, env)
    runner = _runner(**user)
    file_handler = logging.FileHandler(os.devnull)
    runner.logger.addHandler(file_handler)
    assert progress_trainer_kwargs(runner) == dict(enable_progress_bar=env == "1")
    progress_trainer_kwargs(runner)  # a second stage does not wrap twice
    stream = runner.logger.handlers[0].stream
    assert isinstance(stream, TqdmAwareStream) and stream.stream is runner.console
    assert runner.logger.handlers[1].stream is file_handler.stream  # files are not touched
    runner.logger.warning("Epoch(train) [1][2/4]  loss: 0.5")
    assert runner.console.getvalue() == "Epoch(train) [1][2/4]  loss: 0.5\n"
    file_handler.close()


_SCRIPT = textwrap.dedent(
    """
    import sys, torch
    import torch.nn.functional as F
    from torch import nn
    from mmlight.config import Config
    from mmlight.model import BaseModel
    from mmlight.registry import MODELS
    from mmlight.runner import Runner

    @MODELS.register_module(force=True)
    class ProgressToy(BaseModel):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode="tensor"):
            out = self.linear(torch.stack(inputs)).squeeze(1)
            return dict(loss=F.mse_loss(out, torch.tensor(data_samples)))

    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(16)]
    for bar in ("default", "tqdm", "iter"):  # default: mmlight's bar; iter: iteration-based
        train_cfg = (dict(by_epoch=False, max_iters=12) if bar == "iter"
                     else dict(by_epoch=True, max_epochs=2))
        cfg = Config(dict(
            model=dict(type="ProgressToy"), work_dir=sys.argv[1] + bar, experiment_name=bar,
            train_dataloader=dict(dataset=data, batch_size=2,
                                  sampler=dict(type="DefaultSampler", shuffle=False)),
            train_cfg=train_cfg,
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.001)),
            default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=2)),
            trainer=dict(accelerator="cpu"),
        ))
        runner = Runner.from_cfg(cfg)
        if bar == "tqdm":
            from lightning.pytorch.callbacks import TQDMProgressBar
            runner.trainer_kwargs["callbacks"] = [TQDMProgressBar()]
        runner.train()
        print("BAR", type(runner._trainer.progress_bar_callback).__name__)
        print("==END OF RUN==")
    """
)


def _run_in_terminal(tmp_path: Path, env_value: str | None) -> str:
    """Run a short training with stdout on a pseudo-terminal; return what the terminal got."""
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ)
    env.pop(ENV_VAR, None)
    if env_value is not None:
        env[ENV_VAR] = env_value
    leader, follower = pty.openpty()
    # A fresh pty reports 0 columns, and tqdm then draws an empty bar: give it a real size.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "work")],
        stdout=follower, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, stderr = proc.communicate(timeout=120)
    os.close(leader)
    assert proc.returncode == 0, stderr.decode()
    return b"".join(chunks).decode(errors="replace")


_LOG_LINE = re.compile(
    r"\d\d/\d\d \d\d:\d\d:\d\d - mmengine - INFO - Epoch\(train\) \[[12]\]\[[2468]/8\]  "
    r"lr: 1\.0000e-03  eta: \S+  time: [\d.]+  data_time: [\d.]+  loss: [\d.]+\s*"
)


def _visible(text: str) -> str:
    """What a terminal shows of ``text`` once each carriage return has rewritten its line."""
    lines = [line.split("\r")[-1] for line in text.splitlines()]
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", "\n".join(lines))


def test_bar_and_log_lines_share_a_terminal(tmp_path: Path) -> None:
    """mmlight's bar and a user's tqdm bar leave the log lines whole; mmlight's bar counts as
    the log counts and shows the loss and learning rate."""
    runs = _run_in_terminal(tmp_path, None).split("==END OF RUN==")[:3]
    assert "BAR MMEngineProgressBar" in runs[0] and "BAR TQDMProgressBar" in runs[1]
    drawn = [part for part in runs[0].replace("\n", "\r").split("\r") if "it/s" in part]
    for epoch in (1, 2):
        assert any(f"Epoch {epoch}/2: 100%" in part for part in drawn), drawn[-3:]
    assert not any("Epoch 0" in part for part in drawn)
    assert re.search(r"8/8 \[.*loss=\d[\d.e+-]*, lr=0\.001\]", drawn[-1]), drawn[-1]
    assert "v_num" not in runs[0]
    iteration_based = [p for p in runs[2].replace("\n", "\r").split("\r") if "it/s" in p]
    assert any(re.match(r"\s*Iter: 100%.*12/12", part) for part in iteration_based)
    for output in runs[:2]:
        assert "it/s" in output  # the bar was drawn
        log_lines = [line for line in output.splitlines() if "Epoch(train)" in line]
        assert len(log_lines) == 8  # 8 iterations per epoch, interval 2, 2 epochs
        for line in log_lines:
            # A bar is cleared with a carriage return (and an erase code): what follows the
            # last one is what shows, and it must be the whole log line.
            visible = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", line.split("\r")[-1])
            assert _LOG_LINE.fullmatch(visible), repr(line)


@pytest.mark.parametrize(
    ("env", "trainer", "expected"),
    [
        (None, {}, False),  # pytest captures stdout: not a terminal
        ("1", {}, True),
        ("1", dict(enable_progress_bar=False), False),  # the config has the last word
        ("0", dict(enable_progress_bar=True), True),
    ],
)
def test_runner_trainer_gets_the_decision(monkeypatch, tmp_path, env, trainer, expected) -> None:
    import torch

    from mmlight.config import Config
    from mmlight.runner import Runner

    if env is None:
        monkeypatch.delenv(ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(ENV_VAR, env)
    namespace: dict[str, Any] = {}
    exec(_SCRIPT.split("data = ")[0], namespace)  # registers ProgressToy
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(4)]
    cfg = Config(dict(
        model=dict(type="ProgressToy"), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False),
                              batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.001)),
        default_hooks=dict(checkpoint=None, logger=None),
        trainer=dict(accelerator="cpu", **trainer),
    ))  # fmt: skip
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (runner._trainer.progress_bar_callback is not None) is expected
