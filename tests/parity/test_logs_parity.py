"""Log files of the same seeded run under mmengine's Runner and mmlight's Runner.

Both runs must leave the same files in ``work_dir`` and ``log_dir`` (names up to the
timestamp), the same JSON-lines scalar logs (keys, steps and values; wall-clock values such as
``time``, ``data_time`` and ``eta`` excluded), the same test-metrics dump, and text log lines
of the same shape once numbers that depend on time are masked.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.parity.conftest import (
    ToyDataset,
    library,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
)

mmengine = pytest.importorskip("mmengine")

_TIME_KEYS = {"time", "data_time", "eta"}


def _library(name: str) -> dict[str, Any]:
    lib = library(name)
    model = toy_model_class(lib.BaseModel, "LogsToyModel", split_loss=True)
    lib.MODELS.register_module(name="LogsToyModel", module=model, force=True)
    metric = toy_metric_class(lib.BaseMetric, "LogsAccuracy")
    lib.METRICS.register_module(name="LogsAccuracy", module=metric, force=True)
    lib.DATASETS.register_module(name="LogsToyDataset", module=ToyDataset, force=True)
    return dict(Runner=lib.Runner, Config=lib.Config)


def _config(tmp_path: Path, name: str, iter_based: bool) -> dict:
    train_cfg = (
        dict(by_epoch=False, max_iters=12, val_interval=6)
        if iter_based
        else dict(by_epoch=True, max_epochs=2, val_interval=1)
    )

    def dataset(size: int, seed: int) -> dict:
        return dict(type="LogsToyDataset", size=size, seed=seed, with_metainfo=False)

    return dict(
        model=dict(type="LogsToyModel"),
        work_dir=str(tmp_path / name),
        **toy_dataloaders(dataset, iter_based),
        train_cfg=train_cfg,
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="LinearLR", start_factor=0.2, by_epoch=False, end=4)],
        val_evaluator=dict(type="LogsAccuracy"),
        test_evaluator=dict(type="LogsAccuracy"),
        default_hooks=dict(checkpoint=None, logger=dict(type="LoggerHook", interval=2)),
        log_processor=dict(by_epoch=not iter_based),
        randomness=dict(seed=2024),
        # One name per scenario: two runs in the same second must not share named instances.
        experiment_name=f"logs_{'iter' if iter_based else 'epoch'}",
    )


def _run(tmp_path: Path, name: str, iter_based: bool) -> Any:
    lib = _library(name)
    cfg = lib["Config"](_config(tmp_path, name, iter_based))
    runner = lib["Runner"].from_cfg(copy.deepcopy(cfg))
    runner.train()
    runner.test()
    for handler in runner.logger.handlers:
        handler.flush()
    return runner


def _tree(root: str, timestamp: str) -> list[str]:
    """Relative paths of the files under ``root``, with the timestamp replaced."""
    found = []
    for dirpath, _, files in os.walk(root):
        for file in files:
            if file == ".mmlight.lock":  # mmlight's work_dir lock; MMEngine takes none
                continue
            rel = os.path.relpath(os.path.join(dirpath, file), root)
            found.append(rel.replace(timestamp, "<ts>"))
    return sorted(found)


def _json_lines(path: Path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in _TIME_KEYS} for r in records]


_LINE_PREFIX = re.compile(r"^\d\d/\d\d \d\d:\d\d:\d\d - (\S+) - (\w+) - ")
_TIME_VALUES = re.compile(r"\b(time|data_time|eta): \S+")


def _train_eval_lines(path: Path) -> list[str]:
    """The Epoch/Iter lines of a log file, with wall-clock values masked."""
    lines = []
    for line in path.read_text().splitlines():
        body = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d - \S+ - \w+ - ", "", line)
        if body.startswith(("Epoch(", "Iter(")):
            lines.append(_TIME_VALUES.sub(r"\1: <t>", body))
    return lines


@pytest.fixture(scope="module", params=[False, True], ids=["epoch_based", "iter_based"])
def runs(request: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    tmp_path = tmp_path_factory.mktemp("logs")
    expected = _run(tmp_path, "mmengine", request.param)
    actual = _run(tmp_path, "mmlight", request.param)
    return expected, actual


def test_same_files(runs: tuple[Any, Any]) -> None:
    expected, actual = runs
    assert _tree(actual.work_dir, actual.timestamp) == _tree(expected.work_dir, expected.timestamp)


def test_same_scalar_logs(runs: tuple[Any, Any]) -> None:
    expected, actual = runs
    for name in ("scalars.json", "<ts>.json"):
        want = _json_lines(
            Path(expected.log_dir, "vis_data", name.replace("<ts>", expected.timestamp))
        )
        got = _json_lines(Path(actual.log_dir, "vis_data", name.replace("<ts>", actual.timestamp)))
        assert [sorted(r) for r in got] == [sorted(r) for r in want]
        assert [r["step"] for r in got] == [r["step"] for r in want]
        for got_record, want_record in zip(got, want):
            assert got_record == pytest.approx(want_record, abs=1e-5)


def test_same_test_dump(runs: tuple[Any, Any]) -> None:
    expected, actual = runs
    want = json.loads(Path(expected.log_dir, f"{expected.timestamp}.json").read_text())
    got = json.loads(Path(actual.log_dir, f"{actual.timestamp}.json").read_text())
    assert got.keys() == want.keys()
    assert {k: v for k, v in got.items() if k not in _TIME_KEYS} == pytest.approx(
        {k: v for k, v in want.items() if k not in _TIME_KEYS}, abs=1e-5
    )


def test_same_text_log_lines(runs: tuple[Any, Any]) -> None:
    expected, actual = runs
    want = _train_eval_lines(Path(expected.log_dir, f"{expected.timestamp}.log"))
    got = _train_eval_lines(Path(actual.log_dir, f"{actual.timestamp}.log"))
    assert want, "mmengine wrote no Epoch/Iter lines: the scenario is wrong"
    assert got == want


def test_same_config_in_vis_data(runs: tuple[Any, Any]) -> None:
    expected, actual = runs
    from mmlight.config import Config

    want = Config.fromfile(os.path.join(expected.log_dir, "vis_data", "config.py")).to_dict()
    got = Config.fromfile(os.path.join(actual.log_dir, "vis_data", "config.py")).to_dict()
    assert got.pop("work_dir").endswith("mmlight") and want.pop("work_dir").endswith("mmengine")
    assert got == want


def test_visualizer_files_match(tmp_path: Path) -> None:
    """The Visualizer API alone: the same calls write the same scalar files and config."""
    import numpy as np
    from mmengine.config import Config as MMConfig
    from mmengine.visualization import Visualizer as MMVisualizer

    from mmlight.config import Config
    from mmlight.visualization import Visualizer

    cfg = dict(model=dict(type="Toy", depth=3), lr=0.01, steps=[1, 2], name="x")
    calls = [
        ({"loss": 0.25, "acc": np.float64(0.5), "n": 3}, 1, None),
        ({"loss": np.float32(0.125), "top": [1, 2]}, 7, "20240101_000000.json"),
        ({"step": 99, "m": -1.5e-7}, 8, "20240101_000000.json"),
    ]
    written = {}
    for name, vis_cls, cfg_cls in (
        ("mmengine", MMVisualizer, MMConfig),
        ("mmlight", Visualizer, Config),
    ):
        vis = vis_cls(
            name=f"api_{name}", vis_backends=[dict(type="LocalVisBackend")],
            save_dir=str(tmp_path / name),
        )  # fmt: skip
        vis.add_config(cfg_cls(cfg))
        for scalars, step, file_path in calls:
            vis.add_scalars(scalars, step=step, file_path=file_path)
        vis.add_scalar("single", 2.5, step=4)
        vis.close()
        vis_data = tmp_path / name / "vis_data"
        written[name] = {
            file: (vis_data / file).read_text() for file in ("scalars.json", "20240101_000000.json")
        }
        written[name]["config"] = Config.fromfile(str(vis_data / "config.py")).to_dict()
    assert written["mmlight"] == written["mmengine"]


def _block(path: Path, heading: str) -> str:
    """The text a log record starting with ``heading`` holds (up to the next record)."""
    text = path.read_text()
    start = text.index(heading) + len(heading)
    following = _RECORD_START.search(text, start)
    return text[start : following.start() if following else len(text)]


# A record ends where the next one starts, or where BaseModule's raw init-info dump (written to
# the file handler's stream, not a record) starts.
_RECORD_START = re.compile(
    r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d - |Name of parameter - Initialization information$)",
    re.MULTILINE,
)


def test_same_opening_blocks(runs: tuple[Any, Any]) -> None:
    """The log opens as mmengine's does: environments, config, then the hooks by mount point."""
    expected, actual = runs
    want = Path(expected.log_dir, f"{expected.timestamp}.log")
    got = Path(actual.log_dir, f"{actual.timestamp}.log")
    heading = "Hooks will be executed in the following order:\n"
    assert _block(got, heading) == _block(want, heading)
    runtime = "Runtime environment:"
    assert _block(got, runtime) == _block(want, runtime)
    system = _block(got, "System environment:")
    for key in ("sys.platform", "Python", "PyTorch", "Lightning", "MMLight"):
        assert f"\n    {key}: " in system
    assert "Config:\n" in got.read_text() and "model = dict(type='LogsToyModel')" in got.read_text()
