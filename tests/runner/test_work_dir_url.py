"""A Runner whose work_dir is an fsspec URL (``memory://``) writes everything there."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pytest
import torch

from mmlight.config import Config
from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook
from mmlight.logging import MMLogger
from mmlight.logging import logger as logger_module
from mmlight.runner import Runner
from mmlight.runner.work_dir import (
    WorkDirError,
    join_work_path,
    prepare_log_dir,
    prepare_work_dir,
)
from mmlight.visualization import LocalVisBackend
from tests.runner.tiny_regressor import TinyRegressor

MEMORY = fsspec.filesystem("memory")


@pytest.fixture
def mem_root() -> Iterator[str]:
    """A fresh ``memory://`` folder, removed with everything in it afterwards."""
    name = f"h7-{uuid.uuid4().hex[:8]}"
    yield f"memory://{name}"
    prefix = f"/{name}"
    for key in [k for k in MEMORY.store if k.startswith(prefix)]:
        del MEMORY.store[key]
    MEMORY.pseudo_dirs[:] = [d for d in MEMORY.pseudo_dirs if not d.startswith(prefix)]


def _read(url: str) -> str:
    return bytes(MEMORY.cat_file(url)).decode("utf-8")


def _files(url: str) -> list[str]:
    root = url.partition("://")[2]
    return sorted(p[len(root) + 2:] for p in MEMORY.find(f"/{root}"))


# ---------------------------------------------------------------------- work_dir helpers


def test_local_work_dir_is_absolute_and_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    work_dir = prepare_work_dir("runs/exp")
    assert work_dir == str(tmp_path / "runs" / "exp")
    assert os.path.isdir(work_dir)
    log_dir = prepare_log_dir(work_dir, "20240101_000000")
    assert log_dir == os.path.join(work_dir, "20240101_000000")
    assert os.path.isdir(log_dir)


def test_url_work_dir_is_kept_and_created(mem_root: str) -> None:
    work_dir = prepare_work_dir(mem_root + "/exp/")
    assert work_dir == mem_root + "/exp"
    assert MEMORY.isdir(work_dir)
    log_dir = prepare_log_dir(work_dir, "20240101_000000")
    assert log_dir == mem_root + "/exp/20240101_000000"
    assert MEMORY.isdir(log_dir)


def test_join_work_path() -> None:
    assert join_work_path("memory://exp", "a", "b.log") == "memory://exp/a/b.log"
    assert join_work_path("s3://bucket/exp/", "/x.py") == "s3://bucket/exp/x.py"
    assert join_work_path("/tmp/exp", "a", "b.log") == "/tmp/exp/a/b.log"


def test_unusable_work_dirs_are_explained() -> None:
    with pytest.raises(WorkDirError, match=r"root of the 'memory' filesystem.*'memory://exp'"):
        prepare_work_dir("memory://")
    with pytest.raises(ValueError, match=r"work_dir='nosuchproto://x' is not a usable fsspec"):
        prepare_work_dir("nosuchproto://x")
    with pytest.raises(TypeError, match=r"work_dir must be a str .* but got int: 3"):
        prepare_work_dir(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- MMLogger


def _logger(name: str, **kwargs: Any) -> MMLogger:
    logger = MMLogger.get_instance(f"h7-{name}-{uuid.uuid4().hex[:6]}", **kwargs)
    return logger


def test_url_log_file_is_staged_locally_and_synced(mem_root: str) -> None:
    url = f"{mem_root}/logs/run.log"
    logger = _logger("sync", log_file=url)
    assert logger.log_file == url
    local = logger.local_log_file
    assert local is not None and os.path.isfile(local) and "://" not in local
    logger.info("first line")
    logger.sync_log_files()
    assert "first line" in _read(url)
    logger.info("second line")
    assert "second line" not in _read(url)  # not due yet: 30 s between automatic copies
    logger.sync_log_files()
    text = _read(url)
    assert "first line" in text and "second line" in text
    staging = os.path.dirname(local)
    assert logger._mirror is not None
    logger._mirror.finish()  # what runs at interpreter exit
    assert not os.path.exists(staging)


def test_url_log_file_syncs_when_due(mem_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logger_module, "_SYNC_INTERVAL_S", 0.0)
    url = f"{mem_root}/due.log"
    logger = _logger("due", log_file=url)
    logger.warning("pushed without asking")
    assert "pushed without asking" in _read(url)


def test_url_log_file_append_mode_continues(mem_root: str) -> None:
    url = f"{mem_root}/append.log"
    MEMORY.pipe_file(url, b"earlier run\n")
    logger = _logger("append", log_file=url, file_mode="a")
    logger.info("later run")
    logger.sync_log_files()
    text = _read(url)
    assert text.startswith("earlier run\n") and "later run" in text


def test_failed_sync_warns_when_not_strict(
    mem_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mmlight.fileio.io as fileio_io

    logger = _logger("fail", log_file=f"{mem_root}/fail.log")
    logger.info("line")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("store is read-only")

    monkeypatch.setattr(fileio_io, "put", refuse)
    with pytest.warns(UserWarning, match=r"could not copy the log files .*read-only.*kept"):
        logger.sync_log_files(strict=False)
    with pytest.raises(PermissionError, match="read-only"):
        logger.sync_log_files()


def test_local_log_file_has_no_mirror(tmp_path: Path) -> None:
    logger = _logger("local", log_file=str(tmp_path / "run.log"))
    assert logger.local_log_file == str(tmp_path / "run.log")
    logger.sync_log_files()  # nothing to do
    assert logger._mirror is None


# ---------------------------------------------------------------------- LocalVisBackend


def test_local_vis_backend_writes_to_url(mem_root: str) -> None:
    save_dir = f"{mem_root}/vis_data"
    backend = LocalVisBackend(save_dir=save_dir)
    backend.add_scalars({"loss": 1.5}, step=1, file_path="run.json")
    backend.add_scalar("lr", torch.tensor(0.5), step=2)
    backend.add_scalars({"loss": np.float32(0.25)}, step=3, file_path="run.json")
    backend.add_config(Config(dict(lr=0.1)))
    backend.add_image("img", np.zeros((2, 3, 3), dtype=np.uint8), step=4)

    lines = [json.loads(line) for line in _read(f"{save_dir}/scalars.json").splitlines()]
    assert lines == [{"loss": 1.5, "step": 1}, {"lr": 0.5, "step": 2}, {"loss": 0.25, "step": 3}]
    extra = [json.loads(line) for line in _read(f"{save_dir}/run.json").splitlines()]
    assert extra == [{"loss": 1.5, "step": 1}, {"loss": 0.25, "step": 3}]
    assert "lr = 0.1" in _read(f"{save_dir}/config.py")
    assert bytes(MEMORY.cat_file(f"{save_dir}/vis_image/img_4.png")).startswith(b"\x89PNG")


def test_local_vis_backend_appends_to_existing_url_file(mem_root: str) -> None:
    save_dir = f"{mem_root}/vis"
    LocalVisBackend(save_dir=save_dir).add_scalar("a", 1, step=0)
    LocalVisBackend(save_dir=save_dir).add_scalar("a", 2, step=1)
    assert len(_read(f"{save_dir}/scalars.json").splitlines()) == 2


# ---------------------------------------------------------------------- the Runner


class MeanError(BaseMetric):
    default_prefix = "toy"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(err=sum(r["err"] for r in results) / len(results))


class LogAfterValidationProbe(Hook):
    """After each validation (which follows each checkpoint here), reads the URL log file."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        self.seen.append(_read(runner.logger.log_file))


def _loader() -> dict:
    data = [dict(inputs=torch.tensor([i / 4, 1.0]), data_samples=i / 8) for i in range(8)]
    return dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=True), batch_size=4)


def _runner(work_dir: str, max_epochs: int, **kwargs: Any) -> Runner:
    torch.manual_seed(0)  # the model is built before the Runner seeds anything
    return Runner(
        model=TinyRegressor(),
        work_dir=work_dir,
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        val_dataloader=_loader(),
        val_cfg=dict(),
        val_evaluator=[MeanError()],
        test_dataloader=_loader(),
        test_cfg=dict(),
        test_evaluator=[MeanError()],
        randomness=dict(seed=0),
        **kwargs,
    )


def test_runner_writes_the_whole_run_under_a_memory_url(
    mem_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may land in the current folder
    probe = LogAfterValidationProbe()
    work_dir = f"{mem_root}/exp/"
    runner = _runner(
        work_dir,
        max_epochs=2,
        cfg=Config(dict(work_dir=work_dir, note="url run")),
        experiment_name=f"url-{uuid.uuid4().hex[:8]}",  # a fresh logger, not one of this second
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1, out_dir=f"{mem_root}/out")),
        custom_hooks=[probe],
    )
    ts = runner.timestamp
    assert runner.work_dir == f"{mem_root}/exp"
    assert runner.log_dir == f"{mem_root}/exp/{ts}"
    assert runner.logger.log_file == f"{mem_root}/exp/{ts}/{ts}.log"

    runner.train()
    metrics = runner.test()

    assert set(_files(runner.work_dir)) == {
        f"{ts}.py",
        f"{ts}/{ts}.log",
        f"{ts}/{ts}.json",
        f"{ts}/vis_data/config.py",
        f"{ts}/vis_data/scalars.json",
        f"{ts}/vis_data/{ts}.json",
        "epoch_1.pth",
        "epoch_2.pth",
        "last_checkpoint",
    }
    assert "note = 'url run'" in _read(f"{runner.work_dir}/{ts}.py")
    assert _read(f"{runner.work_dir}/last_checkpoint") == f"{mem_root}/exp/epoch_2.pth"
    log = _read(runner.logger.log_file)
    assert "Saving checkpoint at 2 epochs" in log and "Epoch(test)" in log
    # The log at the URL was current after every validation, not only after the run.
    assert "Saving checkpoint at 1 epochs" in probe.seen[0]
    assert "Epoch(val) [1][2/2]    toy/err" in probe.seen[0]
    assert "Epoch(train) [2]" not in probe.seen[0]
    assert "Epoch(val) [2][2/2]    toy/err" in probe.seen[1]
    scalars = [json.loads(line) for line in _read(f"{runner.log_dir}/vis_data/scalars.json")
               .splitlines()]
    assert [s["step"] for s in scalars if "loss" in s] == [1, 2, 3, 4]
    dumped = json.loads(_read(f"{runner.log_dir}/{ts}.json"))
    assert {key: dumped[key] for key in metrics} == pytest.approx(metrics)
    # LoggerHook(out_dir=...) copies the log folder of a URL work_dir (mmengine layout).
    assert f"exp/{ts}.log" in _files(f"{mem_root}/out")
    assert os.listdir(tmp_path) == []


def test_resume_true_finds_the_latest_checkpoint_under_the_url(mem_root: str) -> None:
    quiet: dict[str, Any] = dict(default_hooks=dict(logger=None))
    whole = _runner(f"{mem_root}/whole", max_epochs=3, experiment_name="whole", **quiet)
    whole.train()

    first = _runner(f"{mem_root}/split", max_epochs=2, experiment_name="first", **quiet)
    first.train()
    resumed = _runner(
        f"{mem_root}/split", max_epochs=3, resume=True, experiment_name="resumed", **quiet
    )
    resumed.train()

    assert resumed.epoch == 3
    assert _read(f"{mem_root}/split/last_checkpoint") == f"{mem_root}/split/epoch_3.pth"
    for name, value in whole.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=0, atol=0)


def test_load_from_a_url_checkpoint(mem_root: str) -> None:
    trained = _runner(
        f"{mem_root}/a", max_epochs=1, experiment_name="trained", default_hooks=dict(logger=None)
    )
    trained.train()
    tester = _runner(
        f"{mem_root}/b", max_epochs=1, load_from=f"{mem_root}/a/epoch_1.pth",
        experiment_name="tester", default_hooks=dict(logger=None),
    )
    tester.test()
    for name, value in trained.model.state_dict().items():
        torch.testing.assert_close(tester.model.state_dict()[name], value, rtol=0, atol=0)
