"""A downstream package's mmengine ``BaseDataset`` (pipeline of its own transforms, built by
mmengine's ``Compose`` under the package's scope) and its ``Visualizer`` subclass with its own
vis backend, in a full mmlight run: losses equal mmengine's Runner's, and the backend writes
its files (the scalars of every logged iteration, the config it was given)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tests.bridge.conftest import MakeDownstream
from tests.bridge.test_optim_wrapper import StepRecorder
from tests.parity.conftest import library, toy_model_class

pytestmark = pytest.mark.interop

_names = itertools.count()


def _loader(scope: str, size: int, seed: int, shuffle: bool) -> dict:
    return dict(
        dataset=dict(
            type="TinyPointsDataset", size=size, seed=seed, noise=1.5,
            pipeline=[dict(type="PackPoint", scale=0.5)],
        ),
        sampler=dict(type="DefaultSampler", shuffle=shuffle),
        batch_size=8,
        num_workers=0,
    )


def _run(lib_name: str, tmp_path: Path, scope: str) -> tuple[list, Any]:
    lib = library(lib_name)
    model_name = f"BridgeVisModel{next(_names)}"
    lib.MODELS.register_module(name=model_name, module=toy_model_class(lib.BaseModel, model_name))
    log: list = []
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"vis_{lib_name}_{next(_names)}",
        model=dict(type=model_name),
        train_dataloader=_loader(scope, 40, 0, True),
        val_dataloader=_loader(scope, 16, 1, False),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        val_cfg=dict(),
        val_evaluator=dict(type="TinyMetric", prefix="tiny"),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=2), checkpoint=None),
        custom_hooks=[StepRecorder(log)],
        visualizer=dict(type="TinyVisualizer", vis_backends=[dict(type="JsonLinesVisBackend")]),
        default_scope=scope,
        randomness=dict(seed=11),
        cfg=dict(note="a non-empty config: both runners hand it to the visualizer"),
    )
    runner.train()
    return log, runner


def _scalars(runner: Any) -> list[dict]:
    [path] = Path(runner.work_dir).rglob("scalars.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_downstream_dataset_and_visualizer_in_a_full_run(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    scope = make_downstream()
    expected, engine_runner = _run("mmengine", tmp_path, scope)
    actual, runner = _run("mmlight", tmp_path, scope)

    assert actual == expected and len(actual) == 10
    dataset = runner.train_dataloader.dataset
    assert type(dataset).__module__ == f"{scope}.base_datasets"
    assert dataset[0]["inputs"].shape == (4,) and dataset.metainfo["classes"] == ("a", "b", "c")

    visualizer = runner.visualizer
    assert type(visualizer).__name__ == "TinyVisualizer" and visualizer.scalar_calls > 0
    [config_seen] = Path(runner.work_dir).rglob("config_seen.txt")
    assert config_seen.read_text() == "mmengine.config.config.Config"
    scalars, engine_scalars = _scalars(runner), _scalars(engine_runner)
    # what both runners logged: the losses (every 2nd iteration) and each validation's count
    def logged(rows: list[dict]) -> list[tuple]:
        return [(row["step"], row.get("loss"), row.get("tiny/count")) for row in rows]

    assert logged(scalars) == logged(engine_scalars)
    assert [row["tiny/count"] for row in scalars if "tiny/count" in row] == [16, 16]
    assert sum("loss" in row for row in scalars) == 4  # iterations 2 and 4 of each epoch
