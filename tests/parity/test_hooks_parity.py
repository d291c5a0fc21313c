"""mmengine's hooks and mmlight's hooks, driven through the same mount-point calls, agree.

Each scenario runs twice, once with mmengine's hooks, MessageHub, LogProcessor, samplers and
parameter schedulers, once with mmlight's, on identical runner doubles, real torch optimizers
and a virtual clock; then the message-hub scalars and info, learning rates, sampler epochs,
early-stopping decisions, log lines, visualizer scalars and written files are compared.

``RunnerDouble`` stands in for ``mmlight.runner.Runner``, which is under construction: it
offers exactly the runner API mmengine's hooks and LogProcessor read (``epoch``, ``iter``,
``train_loop``, ``message_hub``, ``call_hook``, ...), and ``drive_train``/``drive_test`` call
the mount points in the order of mmengine's EpochBasedTrainLoop, ValLoop and TestLoop.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

mmengine = pytest.importorskip("mmengine")

import mmengine.hooks as mm_hooks  # noqa: E402
import mmengine.optim.scheduler as mm_sched  # noqa: E402
from mmengine.dataset import DefaultSampler as MMDefaultSampler  # noqa: E402
from mmengine.logging import MessageHub as MMMessageHub  # noqa: E402
from mmengine.runner import LogProcessor as MMLogProcessor  # noqa: E402
from mmengine.runner.priority import Priority as MMPriority  # noqa: E402
from mmengine.runner.priority import get_priority as mm_get_priority  # noqa: E402
from mmengine.visualization import Visualizer as MMVisualizer  # noqa: E402

import mmlight.hooks as ml_hooks  # noqa: E402
import mmlight.optim.scheduler as ml_sched  # noqa: E402
from mmlight.dataset import DefaultSampler as MLDefaultSampler  # noqa: E402
from mmlight.hooks.priority import Priority as MLPriority  # noqa: E402
from mmlight.hooks.priority import get_priority as ml_get_priority  # noqa: E402
from mmlight.logging import MessageHub as MLMessageHub  # noqa: E402
from mmlight.runner import LogProcessor as MLLogProcessor  # noqa: E402

LIBS = {
    "mmengine": SimpleNamespace(
        hooks=mm_hooks,
        sched=mm_sched,
        Hub=MMMessageHub,
        LogProcessor=MMLogProcessor,
        Sampler=MMDefaultSampler,
        get_priority=mm_get_priority,
    ),
    "mmlight": SimpleNamespace(
        hooks=ml_hooks,
        sched=ml_sched,
        Hub=MLMessageHub,
        LogProcessor=MLLogProcessor,
        Sampler=MLDefaultSampler,
        get_priority=ml_get_priority,
    ),
}

TIMESTAMP = "20240101_000000"
VERSION_KEYS = {"mmengine_version", "mmlight_version"}


# ---- doubles --------------------------------------------------------------------------------


class VirtualClock:
    """``time.time`` replacement that only moves when the driver says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class VisualizerDouble:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add_scalars(self, scalar_dict: dict, step: int = 0, file_path: str | None = None) -> None:
        self.calls.append(("add_scalars", dict(scalar_dict), step, file_path))

    def close(self) -> None:
        self.calls.append(("close",))


class OptimWrapperDouble:
    """``get_lr()`` as OptimWrapper (one optimizer) or OptimWrapperDict (several) reports it."""

    def __init__(self, optimizers: dict[str, torch.optim.Optimizer]) -> None:
        self.optimizers = optimizers

    def get_lr(self) -> dict[str, list[float]]:
        lrs = {name: [g["lr"] for g in opt.param_groups] for name, opt in self.optimizers.items()}
        if len(lrs) == 1:
            return {"lr": next(iter(lrs.values()))}
        return {f"{name}.lr": values for name, values in lrs.items()}


class ToyDataset:
    """Eight floats; ``metainfo`` so RuntimeInfoHook records ``dataset_meta``."""

    metainfo = {"classes": ("low", "high")}

    def __init__(self, size: int) -> None:
        self.items = [float(i) / size for i in range(size)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> float:
        return self.items[index]


def _collate(batch: list[float]) -> torch.Tensor:
    return torch.tensor(batch).unsqueeze(1)


class RunnerDouble:
    """Stands in for the mmlight Runner under construction: mmengine's runner API, nothing more."""

    def __init__(
        self,
        lib: SimpleNamespace,
        hooks: list[Any],
        work_dir: Path,
        visualizer: Any,
        train_loader: Any = None,
        val_loader: Any = None,
        test_loader: Any = None,
        max_epochs: int = 0,
        optimizers: dict[str, torch.optim.Optimizer] | None = None,
        param_schedulers: Any = None,
        model: nn.Module | None = None,
    ) -> None:
        self.work_dir = str(work_dir)
        self.timestamp = TIMESTAMP
        self.log_dir = self._log_dir = str(work_dir / TIMESTAMP)
        Path(self.log_dir).mkdir(parents=True)  # the Runner creates it (its log file is there)
        self.experiment_name = f"toy_{TIMESTAMP}"
        self.cfg = SimpleNamespace(pretty_text="model = dict(type='Toy')\n")
        self.seed = 1234
        self.rank, self.world_size, self.distributed = 0, 1, False
        self.model = model
        self.optim_wrapper = OptimWrapperDouble(optimizers or {})
        self.param_schedulers = param_schedulers
        self.message_hub = lib.Hub.get_instance(f"hooks-parity-{uuid.uuid4().hex}")
        self.logger = logging.getLogger(f"hooks-parity-{uuid.uuid4().hex}")
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        self.handler = RecordingHandler()
        self.logger.addHandler(self.handler)
        self.log_processor = lib.LogProcessor(window_size=2, by_epoch=True)
        self.visualizer = visualizer
        self.train_loop: Any = None
        if train_loader is not None:
            self.train_loop = SimpleNamespace(
                dataloader=train_loader,
                stop_training=False,
                epoch=0,
                iter=0,
                max_epochs=max_epochs,
                max_iters=max_epochs * len(train_loader),
            )
        self._train_loop = self.train_loop
        self.val_loop = None if val_loader is None else SimpleNamespace(dataloader=val_loader)
        self.test_loop = None if test_loader is None else SimpleNamespace(dataloader=test_loader)
        self.hooks = sorted(hooks, key=lambda hook: lib.get_priority(hook.priority))  # stable

    def _progress(self, name: str) -> int:
        return 0 if self.train_loop is None else getattr(self.train_loop, name)

    epoch = property(lambda self: self._progress("epoch"))
    iter = property(lambda self: self._progress("iter"))
    max_epochs = property(lambda self: self._progress("max_epochs"))
    max_iters = property(lambda self: self._progress("max_iters"))
    train_dataloader = property(lambda self: self.train_loop.dataloader)
    val_dataloader = property(lambda self: self.val_loop.dataloader)
    test_dataloader = property(lambda self: self.test_loop.dataloader)

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        for hook in self.hooks:
            getattr(hook, fn_name)(self, **kwargs)

    @property
    def messages(self) -> list[str]:
        return self.handler.messages


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    fake = VirtualClock()
    monkeypatch.setattr(time, "time", fake)
    return fake


# ---- drivers (mmengine's loop order) ------------------------------------------------------------


def run_val(runner: RunnerDouble, clock: VirtualClock, metrics: dict[str, Any]) -> None:
    runner.call_hook("before_val")
    runner.call_hook("before_val_epoch")
    for idx, batch in enumerate(runner.val_dataloader):
        clock.advance(0.125)
        runner.call_hook("before_val_iter", batch_idx=idx, data_batch=batch)
        clock.advance(0.5)
        runner.call_hook("after_val_iter", batch_idx=idx, data_batch=batch, outputs=[batch])
    runner.call_hook("after_val_epoch", metrics=metrics)
    runner.call_hook("after_val")


def drive_train(
    runner: RunnerDouble,
    clock: VirtualClock,
    train_step: Callable[[torch.Tensor], dict],
    val_metrics: Iterator[dict[str, Any]],
) -> dict[str, list]:
    """EpochBasedTrainLoop with validation every epoch; returns what happened along the way."""
    record: dict[str, list] = {"lrs": [], "sampler_epochs": [], "batches": [], "stopped": []}
    loop = runner.train_loop
    runner.call_hook("before_run")
    runner.call_hook("before_train")
    while loop.epoch < loop.max_epochs and not loop.stop_training:
        runner.call_hook("before_train_epoch")
        record["sampler_epochs"].append(loop.dataloader.sampler.epoch)
        for idx, batch in enumerate(loop.dataloader):
            clock.advance(0.25)
            runner.call_hook("before_train_iter", batch_idx=idx, data_batch=batch)
            outputs = train_step(batch)
            clock.advance(1.0)
            runner.call_hook("after_train_iter", batch_idx=idx, data_batch=batch, outputs=outputs)
            record["batches"].append(batch.flatten().tolist())
            optimizers = runner.optim_wrapper.optimizers
            record["lrs"].append(
                {k: [g["lr"] for g in o.param_groups] for k, o in optimizers.items()}
            )
            loop.iter += 1
        runner.call_hook("after_train_epoch")
        loop.epoch += 1
        run_val(runner, clock, next(val_metrics))
        record["stopped"].append(loop.stop_training)
    runner.call_hook("after_train")
    runner.call_hook("after_run")
    return record


def drive_test(runner: RunnerDouble, clock: VirtualClock, metrics: dict[str, Any]) -> None:
    runner.call_hook("before_run")
    runner.call_hook("before_test")
    runner.call_hook("before_test_epoch")
    for idx, batch in enumerate(runner.test_dataloader):
        clock.advance(0.25)
        runner.call_hook("before_test_iter", batch_idx=idx, data_batch=batch)
        clock.advance(0.75)
        runner.call_hook("after_test_iter", batch_idx=idx, data_batch=batch, outputs=[batch])
    runner.call_hook("after_test_epoch", metrics=metrics)
    runner.call_hook("after_test")
    runner.call_hook("after_run")


# ---- snapshots --------------------------------------------------------------------------------


def hub_snapshot(hub: Any) -> dict[str, Any]:
    scalars = {}
    for key, buffer in hub.log_scalars.items():
        values, counts = buffer.data
        scalars[key] = (np.asarray(values).tolist(), np.asarray(counts).tolist())
    info = {key: value for key, value in hub.runtime_info.items() if key not in VERSION_KEYS}
    return {"scalars": scalars, "info": _plain(info)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value.tolist()
    return value


def files_under(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def normalized_messages(runner: RunnerDouble, root: Path) -> tuple[list[str], list[str]]:
    """Log lines with the side's tmp root replaced; upload lines apart and sorted (their order
    follows the directory listing)."""
    lines = [m.replace(str(root), "<root>") for m in runner.messages]
    uploads = sorted(m for m in lines if "has been uploaded to" in m)
    return [m for m in lines if "has been uploaded to" not in m], uploads


# ---- full training scenario ---------------------------------------------------------------------

VAL_METRICS = [
    {"acc": 0.5, "loss": 1.0, "per_class": [0.4, 0.6]},
    {"acc": 0.7, "loss": 0.9, "per_class": [0.6, 0.8]},
    {"acc": 0.72, "loss": 0.95, "per_class": [0.7, 0.74]},  # < best + min_delta: wait 1
    {"acc": 0.71, "loss": 0.97, "per_class": [0.7, 0.72]},  # wait 2 = patience: stop
    {"acc": 0.99, "loss": 0.1, "per_class": [1.0, 1.0]},  # never reached
    {"acc": 0.99, "loss": 0.1, "per_class": [1.0, 1.0]},
]


def run_training(lib_name: str, root: Path, clock: VirtualClock, visualizer_kind: str):
    lib = LIBS[lib_name]
    torch.manual_seed(0)
    model, aux = nn.Linear(1, 1), nn.Linear(1, 1)
    optimizers = {
        "main": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        "aux": torch.optim.SGD(aux.parameters(), lr=0.05),
    }
    schedulers = {
        "main": [
            lib.sched.LinearLR(optimizers["main"], start_factor=0.25, by_epoch=False, end=4),
            lib.sched.MultiStepLR(optimizers["main"], milestones=[2], gamma=0.1, by_epoch=True),
        ],
        "aux": [
            lib.sched.ReduceOnPlateauLR(
                optimizers["aux"], monitor="loss", rule="less", factor=0.5, patience=0
            )
        ],
    }

    def train_step(batch: torch.Tensor) -> dict:
        loss_main = ((model(batch) - 2 * batch) ** 2).mean()
        loss_aux = ((aux(batch) - batch) ** 2).mean()
        for opt in optimizers.values():
            opt.zero_grad()
        (loss_main + loss_aux).backward()
        for opt in optimizers.values():
            opt.step()
        return {
            "loss": (loss_main + loss_aux).detach(),
            "loss_main": loss_main.detach(),
            "loss_aux": loss_aux.detach(),
        }

    dataset = ToyDataset(10)
    sampler = lib.Sampler(dataset, shuffle=True, seed=7)
    train_loader = DataLoader(dataset, batch_size=2, sampler=sampler, collate_fn=_collate)
    val_loader = DataLoader(ToyDataset(3), batch_size=1, collate_fn=_collate)
    work_dir = root / "work_dirs" / "toy"
    if visualizer_kind == "double":
        visualizer: Any = VisualizerDouble()
    elif lib_name == "mmengine":  # mmengine's default visualizer
        visualizer = MMVisualizer.get_instance(
            f"hooks-parity-{uuid.uuid4().hex}",
            vis_backends=[dict(type="LocalVisBackend")],
            save_dir=str(work_dir / TIMESTAMP),
        )
    else:  # mmlight's default visualizer, built the same way
        from mmlight.visualization import Visualizer as MLVisualizer

        visualizer = MLVisualizer.get_instance(
            f"hooks-parity-{uuid.uuid4().hex}",
            vis_backends=[dict(type="LocalVisBackend")],
            save_dir=str(work_dir / TIMESTAMP),
        )
    hooks = lib.hooks
    runner = RunnerDouble(
        lib,
        hooks=[
            hooks.RuntimeInfoHook(),
            hooks.IterTimerHook(),
            hooks.DistSamplerSeedHook(),
            hooks.LoggerHook(interval=2, interval_exp_name=3, out_dir=str(root / "out")),
            hooks.ParamSchedulerHook(),
            hooks.EarlyStoppingHook(monitor="acc", patience=2, min_delta=0.05),
            hooks.EmptyCacheHook(after_iter=True),
            hooks.SyncBuffersHook(),
        ],
        work_dir=work_dir,
        visualizer=visualizer,
        train_loader=train_loader,
        val_loader=val_loader,
        max_epochs=len(VAL_METRICS),
        optimizers=optimizers,
        param_schedulers=schedulers,
        model=model,
    )
    record = drive_train(runner, clock, train_step, iter(VAL_METRICS))
    return runner, record


@pytest.fixture(scope="module")
def training_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    """Both libraries, both visualizer kinds; run once, compared by several tests."""
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        for kind in ("double", "local"):
            for lib_name in LIBS:
                clock = VirtualClock()
                patch.setattr(time, "time", clock)
                root = tmp_path_factory.mktemp(f"{lib_name}-{kind}")
                runner, record = run_training(lib_name, root, clock, kind)
                runs[lib_name, kind] = SimpleNamespace(runner=runner, record=record, root=root)
    return runs


@pytest.mark.parametrize("kind", ["double", "local"])
def test_training_records_the_same_progress(training_runs, kind: str) -> None:
    mm, ml = training_runs["mmengine", kind], training_runs["mmlight", kind]
    assert ml.record == mm.record
    # early stopping fired after the fourth validation
    assert mm.record["stopped"] == [False, False, False, True]
    assert mm.record["sampler_epochs"] == [0, 1, 2, 3]
    assert ml.runner.train_loop.stop_training is True


@pytest.mark.parametrize("kind", ["double", "local"])
def test_training_fills_the_message_hub_alike(training_runs, kind: str) -> None:
    mm, ml = training_runs["mmengine", kind], training_runs["mmlight", kind]
    mm_hub, ml_hub = hub_snapshot(mm.runner.message_hub), hub_snapshot(ml.runner.message_hub)
    assert set(ml_hub["scalars"]) == set(mm_hub["scalars"])
    for key, (values, counts) in mm_hub["scalars"].items():
        ml_values, ml_counts = ml_hub["scalars"][key]
        assert ml_counts == counts, key
        assert ml_values == pytest.approx(values, rel=1e-12, abs=0), key
    assert ml_hub["info"] == mm_hub["info"]
    assert "eta" in ml_hub["info"] and "val/per_class" in ml_hub["info"]
    assert "train/main.lr" in ml_hub["scalars"] and "val/acc" in ml_hub["scalars"]


@pytest.mark.parametrize("kind", ["double", "local"])
def test_training_logs_the_same_lines(training_runs, kind: str) -> None:
    mm, ml = training_runs["mmengine", kind], training_runs["mmlight", kind]
    mm_lines, mm_uploads = normalized_messages(mm.runner, mm.root)
    ml_lines, ml_uploads = normalized_messages(ml.runner, ml.root)
    assert ml_lines == mm_lines
    assert ml_uploads == mm_uploads
    assert any(line.startswith("Epoch(train) [1][2/5]") for line in ml_lines)
    assert any(line.startswith("Epoch(val) [4][3/3]") for line in ml_lines)
    assert ml_lines.count(f"Exp name: toy_{TIMESTAMP}") == mm_lines.count(
        f"Exp name: toy_{TIMESTAMP}"
    )


def test_training_sends_the_same_scalars_to_the_visualizer(training_runs) -> None:
    mm, ml = training_runs["mmengine", "double"], training_runs["mmlight", "double"]
    assert ml.runner.visualizer.calls == mm.runner.visualizer.calls
    steps = [call[2] for call in ml.runner.visualizer.calls if call[0] == "add_scalars"]
    assert steps[:4] == [2, 4, 1, 7]  # iterations 2 and 4, validation of epoch 1 (by epoch), 7


def test_without_visualizer_the_json_logs_match_mmengines_local_backend(training_runs) -> None:
    mm, ml = training_runs["mmengine", "local"], training_runs["mmlight", "local"]
    mm_files = files_under(Path(mm.runner.log_dir) / "vis_data")
    ml_files = files_under(Path(ml.runner.log_dir) / "vis_data")
    assert set(mm_files) == {"scalars.json", f"{TIMESTAMP}.json"}
    assert set(ml_files) == set(mm_files)
    for name, text in mm_files.items():
        mm_records = [json.loads(line) for line in text.splitlines()]
        ml_records = [json.loads(line) for line in ml_files[name].splitlines()]
        assert ml_records == mm_records, name


def test_out_dir_receives_the_same_files(training_runs) -> None:
    mm, ml = training_runs["mmengine", "local"], training_runs["mmlight", "local"]
    mm_out, ml_out = files_under(mm.root / "out"), files_under(ml.root / "out")
    assert (
        set(ml_out)
        == set(mm_out)
        == {
            f"toy/vis_data/{TIMESTAMP}.json",
            "toy/vis_data/scalars.json",
        }
    )
    for name in mm_out:
        assert [json.loads(x) for x in ml_out[name].splitlines()] == [
            json.loads(x) for x in mm_out[name].splitlines()
        ]


# ---- test-only run -----------------------------------------------------------------------------


def run_test(lib_name: str, root: Path, clock: VirtualClock) -> RunnerDouble:
    lib = LIBS[lib_name]
    work_dir = root / "work_dirs" / "toy"
    runner = RunnerDouble(
        lib,
        hooks=[lib.hooks.RuntimeInfoHook(), lib.hooks.IterTimerHook(), lib.hooks.LoggerHook(2)],
        work_dir=work_dir,
        visualizer=VisualizerDouble(),
        test_loader=DataLoader(ToyDataset(5), batch_size=1, collate_fn=_collate),
    )
    runner._train_loop = None  # a test-only run has no train loop
    metrics = {
        "acc": 0.8,
        "count": 5,
        "per_class": [0.5, 1.0],
        "matrix": np.eye(2),
        "t": torch.tensor(0.25),
    }
    drive_test(runner, clock, metrics)
    return runner


def test_test_run_matches(tmp_path: Path, clock: VirtualClock) -> None:
    mm = run_test("mmengine", tmp_path / "mm", clock)
    clock.now = VirtualClock().now
    ml = run_test("mmlight", tmp_path / "ml", clock)
    assert ml.messages == mm.messages
    assert any(line.startswith("Epoch(test) [5/5]") for line in ml.messages)
    assert hub_snapshot(ml.message_hub) == hub_snapshot(mm.message_hub)
    assert ml.visualizer.calls == mm.visualizer.calls == [("close",)]
    dump_name = f"work_dirs/toy/{TIMESTAMP}/{TIMESTAMP}.json"
    mm_dump = json.loads((tmp_path / "mm" / dump_name).read_text())
    ml_dump = json.loads((tmp_path / "ml" / dump_name).read_text())
    # Deliberate difference: mmengine writes numpy scalars that are not floats (the int64 the
    # hub hands back for an int metric) as null; mmlight writes their value.
    assert mm_dump["count"] is None
    assert ml_dump == {**mm_dump, "count": 5}
    assert ml_dump["matrix"] == [[1.0, 0.0], [0.0, 1.0]]


# ---- single hooks and helpers ------------------------------------------------------------------


def test_public_names_are_mmengines() -> None:
    # VisualizationHook is the downstream libraries' (mmdet, mmseg, ...) hook, built in here.
    mine = set(ml_hooks.__all__) - {"MOUNT_POINTS", "DATA_BATCH", "VisualizationHook"}
    assert mine <= set(mm_hooks.__all__)
    # NPUProfilerHook included (it needs torch_npu when built).
    assert set(mm_hooks.__all__) == mine


def test_mount_points_are_mmengines_stages() -> None:
    assert mm_hooks.Hook.stages == ml_hooks.MOUNT_POINTS
    assert ml_hooks.Hook.priority == mm_hooks.Hook.priority


@pytest.mark.parametrize(
    "name",
    ["RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "LoggerHook",
     "ParamSchedulerHook", "EarlyStoppingHook", "EmptyCacheHook", "SyncBuffersHook"],
)  # fmt: skip
def test_priorities_and_triggered_stages(name: str) -> None:
    mm_cls, ml_cls = getattr(mm_hooks, name), getattr(ml_hooks, name)
    assert ml_get_priority(ml_cls.priority) == mm_get_priority(mm_cls.priority)
    args = {"monitor": "acc"} if name == "EarlyStoppingHook" else {}
    mm_stages = set(mm_cls(**args).get_triggered_stages())
    assert set(ml_cls(**args).get_triggered_stages()) == mm_stages


def test_triggered_stages_of_a_user_hook() -> None:
    def make(base: type) -> Any:
        class UserHook(base):  # type: ignore[misc, valid-type]
            def _after_iter(self, *args: Any, **kwargs: Any) -> None:
                pass

            def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
                pass

        return UserHook()

    assert set(make(ml_hooks.Hook).get_triggered_stages()) == set(
        make(mm_hooks.Hook).get_triggered_stages()
    )


@pytest.mark.parametrize(
    "given", [0, 100, 37, "low", "VERY_HIGH", "Above_Normal", -1, 101, "NORMLA", 1.5, None]
)
def test_get_priority(given: Any) -> None:
    def outcome(fn: Callable[[Any], int]) -> Any:
        try:
            return fn(given)
        except (ValueError, KeyError, TypeError) as err:
            return [base for base in (KeyError, ValueError, TypeError) if isinstance(err, base)]

    mm_outcome = outcome(mm_get_priority)
    ml_outcome = outcome(ml_get_priority)
    if isinstance(mm_outcome, int):
        assert ml_outcome == mm_outcome
    else:
        # mmlight's error is at least every builtin type mmengine's is
        assert set(mm_outcome) <= set(ml_outcome)
    assert {p.name: p.value for p in MLPriority} == {p.name: p.value for p in MMPriority}


def test_predicates_on_a_grid() -> None:
    mm_hook, ml_hook = mm_hooks.Hook(), ml_hooks.Hook()
    for epoch in range(6):
        for n in (-1, 0, 1, 2, 3):
            for start in (0, 2):
                runner = SimpleNamespace(epoch=epoch, iter=epoch * 3, max_epochs=4, max_iters=9)
                assert ml_hook.every_n_epochs(runner, n, start) == mm_hook.every_n_epochs(
                    runner, n, start
                )
                assert ml_hook.every_n_train_iters(runner, n, start) == mm_hook.every_n_train_iters(
                    runner, n, start
                )
                assert ml_hook.every_n_inner_iters(epoch, n) == mm_hook.every_n_inner_iters(
                    epoch, n
                )
        loader = list(range(4))
        runner = SimpleNamespace(epoch=epoch, iter=epoch * 3, max_epochs=4, max_iters=9)
        assert ml_hook.end_of_epoch(loader, epoch) == mm_hook.end_of_epoch(loader, epoch)
        assert ml_hook.is_last_train_epoch(runner) == mm_hook.is_last_train_epoch(runner)
        assert ml_hook.is_last_train_iter(runner) == mm_hook.is_last_train_iter(runner)


@pytest.mark.parametrize(
    "monitor",
    ["acc", "accuracy/top1", "coco/bbox_mAP", "mIoU", "AR@100", "loss", "val_loss", "LOSS",
     "auc_roc", "precision_macro", "aAcc", "mDice"],
)  # fmt: skip
def test_early_stopping_rule_inference(monitor: str) -> None:
    assert ml_hooks.EarlyStoppingHook(monitor).rule == mm_hooks.EarlyStoppingHook(monitor).rule


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "kwargs",
    [dict(monitor="acc"), dict(monitor="loss", patience=2, min_delta=0.01),
     dict(monitor="acc", stopping_threshold=0.8, patience=3),
     dict(monitor="score", rule="greater", patience=1, min_delta=0.0)],
)  # fmt: skip
def test_early_stopping_decisions(kwargs: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 1, size=12).round(3).tolist()
    if seed == 5:
        scores[4] = math.nan
    decisions = {}
    for name, hooks in (("mm", mm_hooks), ("ml", ml_hooks)):
        hook = hooks.EarlyStoppingHook(**kwargs)
        handler = RecordingHandler()
        logger = logging.getLogger(f"hooks-parity-es-{uuid.uuid4().hex}")
        logger.propagate, logger.handlers = False, [handler]
        runner = SimpleNamespace(train_loop=SimpleNamespace(stop_training=False), logger=logger)
        hook.before_run(runner)
        stops = []
        for score in scores:
            runner.train_loop.stop_training = False
            hook.after_val_epoch(runner, {kwargs["monitor"]: score})
            stops.append((runner.train_loop.stop_training, hook.wait_count, hook.best_score))
        decisions[name] = (stops, len(handler.messages))
    assert repr(decisions["ml"]) == repr(decisions["mm"])  # repr: nan == nan


def test_param_scheduler_hook_alone_keeps_lrs_equal() -> None:
    """Iteration, epoch and plateau schedulers in a plain list, stepped by each library's hook."""
    lrs = {}
    for name, lib in LIBS.items():
        torch.manual_seed(0)
        model = nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.5)
        schedulers = [
            lib.sched.LinearLR(opt, start_factor=0.1, by_epoch=False, end=5),
            lib.sched.CosineAnnealingLR(opt, T_max=3, by_epoch=True, begin=1, end=4),
            lib.sched.ReduceOnPlateauMomentum(opt, monitor="loss", factor=0.5, patience=0),
        ]
        runner = SimpleNamespace(param_schedulers=schedulers)
        hook = lib.hooks.ParamSchedulerHook()
        history = []
        for epoch in range(4):
            for idx in range(3):
                opt.step()
                hook.after_train_iter(runner, batch_idx=idx)
            hook.after_train_epoch(runner)
            hook.after_val_epoch(runner, metrics={"loss": [1.0, 0.5, 0.6, 0.7][epoch]})
            hook.after_val_epoch(runner, metrics=None)
            history.append([(g["lr"], g["momentum"]) for g in opt.param_groups])
        lrs[name] = history
    assert lrs["mmlight"] == lrs["mmengine"]


def test_sampler_seed_hook_sets_the_same_epochs() -> None:
    orders = {}
    for name, lib in LIBS.items():
        sampler = lib.Sampler(ToyDataset(8), shuffle=True, seed=3)
        loader = DataLoader(ToyDataset(8), sampler=sampler, batch_size=4, collate_fn=_collate)
        runner = SimpleNamespace(train_loop=SimpleNamespace(dataloader=loader), epoch=0)
        hook = lib.hooks.DistSamplerSeedHook()
        seen = []
        for epoch in range(3):
            runner.epoch = epoch
            hook.before_train_epoch(runner)
            seen.append((sampler.epoch, list(sampler)))
        orders[name] = seen
    assert orders["mmlight"] == orders["mmengine"]
