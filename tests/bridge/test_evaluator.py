"""Evaluators through the bridge: mmengine's ``BaseMetric`` subclasses (objects, configs resolved
through mmengine's registries, a downstream package's metric under its scope) and mmengine's
``Evaluator`` objects run in mmlight's val/test loops, giving the numbers and key prefixes
mmengine's Runner gives."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import mmengine.evaluator as engine_evaluator
import mmengine.hooks as engine_hooks
import mmengine.registry as engine_registry
import pytest
import torch

from mmlight import bridge
from mmlight.evaluator.evaluator_bases import is_evaluator
from tests.bridge.conftest import MakeDownstream
from tests.parity.conftest import (
    ToyDataset,
    library,
    toy_dataloaders,
    toy_metric_class,
    toy_model_class,
)

pytestmark = pytest.mark.interop

_names = itertools.count()


class MetricsRecorder(engine_hooks.Hook):
    """Records what every validation and test hands its hooks (an mmengine hook: both runners)."""

    def __init__(self, log: list) -> None:
        self.log = log

    def after_val_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        self.log.append(("val", runner.epoch, metrics))

    def after_test_epoch(self, runner: Any, metrics: dict | None = None) -> None:
        self.log.append(("test", runner.epoch, metrics))


@pytest.fixture
def engine_metric() -> Iterator[str]:
    """An mmengine ``BaseMetric`` subclass (``toy/accuracy``) in mmengine's root METRICS."""
    name = f"EngineToyAccuracy{next(_names)}"
    engine_registry.METRICS.register_module(
        name=name, module=toy_metric_class(engine_evaluator.BaseMetric, name)
    )
    yield name
    engine_registry.METRICS._module_dict.pop(name, None)


def _run(lib_name: str, tmp_path: Path, evaluator: Callable[[], Any]) -> list:
    """Train 2 epochs validating each, then test; what the hooks were given."""
    lib = library(lib_name)
    model = toy_model_class(lib.BaseModel, "BridgeMetricModel")
    lib.MODELS.register_module(name="BridgeMetricModel", module=model, force=True)
    log: list = []
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"metrics_{lib_name}_{next(_names)}",
        model=dict(type="BridgeMetricModel"),
        **toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based=False),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05)),
        val_evaluator=evaluator(),
        test_evaluator=evaluator(),
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[MetricsRecorder(log)],
        randomness=dict(seed=7),
    )
    runner.train()
    log.append(("returned", None, runner.test()))
    return log


def test_mmengine_metrics_and_evaluators_give_mmengines_numbers(
    tmp_path: Path, engine_metric: str, make_downstream: MakeDownstream
) -> None:
    scope = make_downstream()
    metric_cls = engine_registry.METRICS.get(engine_metric)
    forms: dict[str, Callable[[], Any]] = {
        "metric objects": lambda: [metric_cls(), metric_cls(prefix="again")],
        "metric config": lambda: dict(type=engine_metric),
        "downstream metric config": lambda: [
            dict(type=f"{scope}.TinyMetric", prefix="tiny"), dict(type=engine_metric),
        ],
        "mmengine Evaluator object": lambda: engine_evaluator.Evaluator(
            [metric_cls(), dict(type=f"{scope}.TinyMetric", prefix="tiny")]
        ),
        "Evaluator config": lambda: dict(type="Evaluator", metrics=[dict(type=engine_metric)]),
    }
    for form, evaluator in forms.items():
        expected = _run("mmengine", tmp_path / form, evaluator)
        actual = _run("mmlight", tmp_path / form, evaluator)
        assert actual == expected, form
        assert [entry[:2] for entry in actual] == [
            ("val", 1), ("val", 2), ("test", 2), ("returned", None),
        ], form
        assert "toy/accuracy" in actual[-1][2], form
        if "tiny" in form or "Evaluator object" in form:
            # the downstream metric under its scope: every sample of the dataset counted once
            assert actual[0][2]["tiny/count"] == 21 and actual[2][2]["tiny/count"] == 13, form


def test_an_mmengine_evaluator_is_accepted_only_with_the_bridge(engine_metric: str) -> None:
    evaluator = engine_evaluator.Evaluator([engine_registry.METRICS.get(engine_metric)()])
    assert is_evaluator(evaluator)
    bridge.deactivate()
    try:
        assert not is_evaluator(evaluator)
    finally:
        bridge.activate()
    assert is_evaluator(evaluator)


DDP_SCRIPT = Path(__file__).with_name("ddp_metric_script.py")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _script(prefix: list[str], tmp_path: Path, launcher: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                        "MASTER_PORT", "GROUP_RANK", "TORCHELASTIC_RUN_ID")}
    env.update(OMP_NUM_THREADS="1", LAUNCHER=launcher,
               PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    out = tmp_path / launcher / "out"
    proc = subprocess.run(
        [*prefix, str(DDP_SCRIPT), str(tmp_path / launcher / "work"), str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return [torch.load(path, weights_only=False) for path in sorted(out.glob("rank*.pt"))]


def test_mmengine_metrics_gather_every_rank_once_under_ddp(tmp_path: Path) -> None:
    """13 and 11 samples over 2 ranks: samplers pad, the metric counts each sample once, and
    both ranks get the single process's numbers (mmengine's own gathering, on Lightning's
    process group)."""
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc_per_node", "2"]
    ranks = _script(torchrun, tmp_path, "pytorch")
    [single] = _script([sys.executable], tmp_path, "none")

    assert [rank["world_size"] for rank in ranks] == [2, 2] and single["world_size"] == 1
    assert single["val"]["engine/indices"] == list(range(13))
    assert single["test"]["engine_test/indices"] == list(range(11))
    for rank in ranks:
        for stage, prefix in (("val", "engine"), ("test", "engine_test")):
            assert rank[stage][f"{prefix}/indices"] == single[stage][f"{prefix}/indices"]
            # Each rank predicts in batches of other samples than the single process: the
            # float32 kernels may round a row differently with other rows beside it (seen on
            # AVX-512 machines), so errors agree to float32 precision, not bit for bit.
            assert rank[stage][f"{prefix}/mae"] == pytest.approx(
                single[stage][f"{prefix}/mae"], rel=1e-6
            )


class _BrokenMetric(engine_evaluator.BaseMetric):
    """An mmengine metric that fails in compute_metrics (or in process, when told)."""

    def __init__(self, fail_in: str = "compute_metrics", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_in = fail_in

    def process(self, data_batch: Any, data_samples: Any) -> None:
        if self.fail_in == "process":
            raise KeyError("no 'gt' in the sample")
        self.results.append(len(data_samples))

    def compute_metrics(self, results: list) -> dict:
        raise ZeroDivisionError("no positive sample")


@pytest.mark.parametrize(
    ("fail_in", "stage", "error", "where"),
    [
        ("compute_metrics", "val", ZeroDivisionError,
         "stage val, epoch 1, computing metrics after the last iteration (5/5)"),
        ("process", "test", KeyError, "stage test, iteration 1/4"),
    ],
)
def test_a_failing_metric_in_an_mmengine_evaluator_is_located_as_mmlights_are(
    tmp_path: Path, engine_metric: str, fail_in: str, stage: str, error: type, where: str
) -> None:
    lib = library("mmlight")
    model = toy_model_class(lib.BaseModel, "BridgeMetricModel")
    lib.MODELS.register_module(name="BridgeMetricModel", module=model, force=True)
    metric_cls = engine_registry.METRICS.get(engine_metric)
    runner = lib.Runner(
        work_dir=str(tmp_path),
        model=dict(type="BridgeMetricModel"),
        **toy_dataloaders(partial(ToyDataset, noise=1.5), iter_based=False),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05)),
        val_evaluator=engine_evaluator.Evaluator([metric_cls(), _BrokenMetric(fail_in)]),
        test_evaluator=engine_evaluator.Evaluator([metric_cls(), _BrokenMetric(fail_in)]),
        default_hooks=dict(logger=None, checkpoint=None),
    )
    with pytest.raises(error) as info:
        runner.train() if stage == "val" else runner.test()

    assert info.value.__notes__ == [
        f"(raised by {stage}_evaluator (_BrokenMetric).{fail_in}; {where})"
    ]
