"""MMCV 1.x hooks and models run as they are on mmlight's Runner.

``data/mmcv17_hooks.json`` holds what the same 1.x hook saw, call by call, under MMCV 1.7.2's own
``EpochBasedRunner``/``IterBasedRunner`` (made by ``data/make_mmcv17_hooks.py``); here the same
hook and net run under mmlight's Runner and must see the same sequence and values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.evaluator import BaseMetric
from mmlight.hooks import Hook as EngineHook
from mmlight.mmcv1.hook_adapter import MMCV1HookAdapter, legacy_stage
from mmlight.mmcv1.legacy_hook import Hook as LegacyHook
from mmlight.mmcv1.legacy_hook import is_mmcv1_hook
from mmlight.mmcv1.log_buffer import LogBuffer
from mmlight.mmcv1.model_adapter import MMCV1ModelAdapter, is_mmcv1_model
from mmlight.model import BaseModel
from mmlight.registry import HOOKS
from mmlight.runner import Runner
from tests.mmcv1.data.legacy_run import (
    BATCH_SIZE,
    LR,
    MAX_EPOCHS,
    MAX_ITERS,
    MOMENTUM,
    SCHEDULES,
    LegacyNet,
    PairDataset,
    make_recorder,
    train_samples,
    val_samples,
)

DATA = Path(__file__).parent / "data"
FIXTURE = json.loads((DATA / "mmcv17_hooks.json").read_text())
MMCV17 = Path("/tmp/mmcv17")

Recorder = make_recorder(LegacyHook)


class MeanPrediction(BaseMetric):
    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(float(p) for p in data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(mean=sum(results) / len(results))


class CountAfterIter:
    """A 1.x hook with no base class at all: only the mode-generic ``after_iter``."""

    def __init__(self) -> None:
        self.modes: list[str] = []

    def after_iter(self, runner: Any) -> None:
        self.modes.append(runner.mode)


class LossRecorder(EngineHook):
    """MMEngine-style: the loss each iteration logged."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        loss = outputs["loss"]  # a tensor from BaseModel, a float from 1.x log_vars
        self.losses.append(float(loss.detach() if isinstance(loss, torch.Tensor) else loss))


class ModernNet(BaseModel):
    """LegacyNet's network written to MMEngine's contract."""

    def __init__(self) -> None:
        super().__init__()
        legacy = LegacyNet()
        self.hidden, self.out = legacy.hidden, legacy.out

    def forward(self, x: Any, y: Any, mode: str = "tensor") -> Any:  # type: ignore[override]
        pred = self.out(torch.tanh(self.hidden(x)))
        if mode == "loss":
            return dict(loss=((pred - y) ** 2).mean())
        return list(pred.detach())


def _loader(samples: list) -> dict:
    return dict(
        dataset=PairDataset(samples),
        sampler=dict(type="DefaultSampler", shuffle=False),
        batch_size=BATCH_SIZE,
        num_workers=0,
        collate_fn=dict(type="default_collate"),
    )


def _param_scheduler(kind: str) -> list:
    """The fixture run's lr_config/momentum_config, translated as a config's would be."""
    import mmlight.mmcv1.schedulers  # noqa: F401  (registers the MMCV1 schedulers)
    from mmlight.mmcv1.config_translation import translate_config

    runner = (
        dict(type="EpochBasedRunner", max_epochs=MAX_EPOCHS)
        if kind == "epoch"
        else dict(type="IterBasedRunner", max_iters=MAX_ITERS)
    )
    old = dict(runner=runner, optimizer=dict(type="SGD", lr=LR, momentum=MOMENTUM))
    old.update({k: v for k, v in SCHEDULES[kind].items() if v is not None})
    return translate_config(old).config["param_scheduler"]


def _run(tmp_path: Path, kind: str, model: nn.Module, hooks: list) -> Runner:
    if kind == "epoch":
        train_cfg: dict = dict(by_epoch=True, max_epochs=MAX_EPOCHS, val_interval=1)
        val: dict = dict(
            val_dataloader=_loader(val_samples()),
            val_cfg=dict(),
            val_evaluator=[MeanPrediction()],
        )
    else:
        train_cfg, val = dict(by_epoch=False, max_iters=MAX_ITERS), {}
    runner = Runner(
        model=model,
        work_dir=str(tmp_path / kind),
        train_dataloader=_loader(train_samples()),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=LR, momentum=MOMENTUM)),
        param_scheduler=_param_scheduler(kind),
        default_hooks=dict(checkpoint=None),
        custom_hooks=hooks,
        experiment_name=f"mmcv1_hooks_{kind}_{os.getpid()}_{id(hooks)}",
        **val,
    )
    runner.train()
    return runner


def _assert_same_calls(got: list[dict], expected: list[dict]) -> None:
    assert [c["name"] for c in got] == [c["name"] for c in expected]
    for index, (ours, theirs) in enumerate(zip(got, expected)):
        assert ours.keys() == theirs.keys(), index
        for key, value in theirs.items():
            if isinstance(value, float):
                assert ours[key] == pytest.approx(value, rel=1e-5, abs=1e-7), (index, key)
            else:
                assert ours[key] == value, (index, key, ours)


@pytest.mark.parametrize("kind", ["epoch", "iter"])
def test_hook_fires_as_under_mmcv17(tmp_path: Path, kind: str) -> None:
    calls: list[dict] = []
    runner = _run(tmp_path, kind, LegacyNet(), [Recorder(calls)])
    assert isinstance(runner.model, MMCV1ModelAdapter)  # wrapped by build_model
    _assert_same_calls(calls, FIXTURE[kind])


def test_plain_hook_class_reaches_generic_method(tmp_path: Path) -> None:
    """MMCV 1.x's base forwarded after_train_iter and after_val_iter to after_iter."""
    counter = CountAfterIter()
    runner = _run(tmp_path, "epoch", LegacyNet(), [counter])
    assert any(isinstance(h, MMCV1HookAdapter) and h.hook is counter for h in runner.hooks)
    train_iters = MAX_EPOCHS * 4
    assert counter.modes == (["train"] * 4 + ["val"] * 2) * MAX_EPOCHS
    assert len(counter.modes) == train_iters + MAX_EPOCHS * 2


def test_legacy_model_trains_like_base_model_and_mmcv17(tmp_path: Path) -> None:
    legacy, modern = LossRecorder(), LossRecorder()
    _run(tmp_path / "legacy", "epoch", LegacyNet(), [legacy])
    _run(tmp_path / "modern", "epoch", ModernNet(), [modern])
    assert len(legacy.losses) == MAX_EPOCHS * 4
    assert legacy.losses == modern.losses  # same ops, same order: bit for bit
    under_mmcv = [c["loss"] for c in FIXTURE["epoch"] if c["name"] == "after_train_iter"]
    assert legacy.losses == pytest.approx(under_mmcv, rel=1e-5)


def test_config_names_a_legacy_hook(tmp_path: Path) -> None:
    name = f"LegacyCountHook{os.getpid()}"
    HOOKS.register_module(name=name, module=CountAfterIter, force=True)
    runner = Runner(
        model=LegacyNet(),
        work_dir=str(tmp_path),
        custom_hooks=[dict(type=name, priority="LOW")],
        experiment_name=f"mmcv1_cfg_{os.getpid()}",
    )
    (adapter,) = [h for h in runner.hooks if isinstance(h, MMCV1HookAdapter)]
    assert isinstance(adapter.hook, CountAfterIter)
    assert adapter.priority == "LOW" and getattr(adapter.hook, "priority", None) == "LOW"
    names = [type(h).__name__ for h in runner.hooks]
    assert names.index("MMCV1HookAdapter") > names.index("IterTimerHook")  # LOW after NORMAL


def test_detection() -> None:
    lightning = pytest.importorskip("lightning.pytorch")
    assert is_mmcv1_hook(Recorder([])) and is_mmcv1_hook(CountAfterIter())
    assert not is_mmcv1_hook(LossRecorder())  # MMEngine-style
    assert not is_mmcv1_hook(lightning.Callback())
    assert not is_mmcv1_hook(object())
    assert is_mmcv1_model(LegacyNet())
    assert not is_mmcv1_model(ModernNet()) and not is_mmcv1_model(nn.Linear(1, 1))


def test_stage_mapping() -> None:
    assert legacy_stage("before_train_epoch", iter_based=False) == "before_train_epoch"
    assert legacy_stage("before_train_epoch", iter_based=True) == "before_epoch"
    assert legacy_stage("after_train_epoch", iter_based=True) == "after_epoch"
    assert legacy_stage("before_val_epoch", iter_based=True) is None
    assert legacy_stage("before_train", iter_based=False) is None
    assert legacy_stage("after_test_iter", iter_based=False) is None


def test_triggered_stages() -> None:
    assert Recorder([]).get_triggered_stages() == [
        "before_run",
        "before_train_epoch",
        "before_train_iter",
        "after_train_iter",
        "after_train_epoch",
        "before_val_epoch",
        "before_val_iter",
        "after_val_iter",
        "after_val_epoch",
        "after_run",
    ]

    class OnlyEpoch(LegacyHook):
        def after_epoch(self, runner: Any) -> None:
            pass

    assert OnlyEpoch().get_triggered_stages() == ["after_train_epoch", "after_val_epoch"]


def test_log_buffer() -> None:
    buffer = LogBuffer()
    buffer.update(dict(loss=1.0), count=1)
    buffer.update(dict(loss=4.0), count=3)
    buffer.average(2)
    assert buffer.ready and buffer.output["loss"] == pytest.approx(13 / 4)
    buffer.average(1)
    assert buffer.output["loss"] == 4.0
    buffer.clear_output()
    assert not buffer.ready and not buffer.output and buffer.val_history
    buffer.clear()
    assert not buffer.val_history
    with pytest.raises(TypeError, match="expects a dict"):
        buffer.update([1.0])  # type: ignore[arg-type, unused-ignore]


def test_model_adapter_keeps_legacy_checkpoint_names() -> None:
    adapter = MMCV1ModelAdapter(LegacyNet())
    assert list(adapter.state_dict()) == list(LegacyNet().state_dict())
    other = LegacyNet()
    with torch.no_grad():
        other.out.bias.fill_(2.0)
    adapter.load_state_dict(other.state_dict())  # a 1.x-era checkpoint loads as it is
    legacy: Any = adapter.legacy_model
    assert legacy.out.bias.item() == 2.0
    batch = dict(x=torch.zeros(2, 2), y=torch.zeros(2, 1))
    assert len(adapter.val_step(batch)) == 2


def test_model_adapter_rejects_non_dict_train_step() -> None:
    class Bad(LegacyNet):
        def train_step(self, data_batch: dict, optimizer: Any, **kwargs: Any) -> Any:
            return 1.0

    class Wrapper:
        optimizer = None

        def optim_context(self, model: Any) -> Any:
            import contextlib

            return contextlib.nullcontext()

    with pytest.raises(TypeError, match=r"model.train_step\(\) must return a dict"):
        MMCV1ModelAdapter(Bad()).train_step(dict(x=torch.zeros(1, 2), y=torch.zeros(1, 1)),
                                            Wrapper())


@pytest.mark.skipif(not MMCV17.is_dir(), reason="MMCV 1.7.2's source is not at /tmp/mmcv17")
def test_fixture_regenerates(tmp_path: Path) -> None:
    out = tmp_path / "hooks.json"
    env = {**os.environ, "PYTHONPATH": str(MMCV17)}
    made = subprocess.run(
        [sys.executable, str(DATA / "make_mmcv17_hooks.py"), str(out)],
        env=env, timeout=300, capture_output=True, text=True,
    )  # fmt: skip
    if made.returncode != 0 and "ModuleNotFoundError" in made.stderr:
        pytest.skip(f"MMCV 1.7.2 does not import here: {made.stderr.strip().splitlines()[-1]}")
    assert made.returncode == 0, made.stderr[-3000:]
    assert json.loads(out.read_text()) == FIXTURE


class SavesEveryTwoEpochs(LegacyHook):
    """MMCV 1.x's own save call, with its filename template."""

    def after_train_epoch(self, runner: Any) -> None:
        if self.every_n_epochs(runner, 2):
            runner.save_checkpoint(runner.work_dir, filename_tmpl="legacy_{}.pth")


def test_legacy_save_checkpoint_signature(tmp_path: Path) -> None:
    runner = _run(tmp_path, "epoch", LegacyNet(), [SavesEveryTwoEpochs()])
    saved = sorted(p.name for p in Path(runner.work_dir).glob("legacy_*.pth"))
    assert saved == ["legacy_2.pth"]
    state = torch.load(Path(runner.work_dir) / "legacy_2.pth", weights_only=False)
    assert state["meta"]["epoch"] == 2
    assert "hidden.weight" in state["state_dict"]  # the 1.x model's own names


def test_engine_style_objects_are_not_wrapped(tmp_path: Path) -> None:
    class EngineStyleNoBase:
        def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                             outputs: Any = None) -> None:
            pass

    assert not is_mmcv1_hook(EngineStyleNoBase())
    runner = Runner(model=LegacyNet(), work_dir=str(tmp_path),
                    experiment_name=f"mmcv1_engine_{os.getpid()}")
    with pytest.raises(TypeError, match="a hook must be an mmlight"):
        runner.register_hook(EngineStyleNoBase())
    mmengine_hooks = pytest.importorskip("mmengine.hooks")
    assert not is_mmcv1_hook(mmengine_hooks.Hook())


class WritesToLogBuffer(LegacyHook):
    """1.x ways of getting a value logged: ``log_buffer.update`` and a ready ``output``."""

    def after_train_iter(self, runner: Any) -> None:
        runner.log_buffer.update(dict(legacy_count=runner.iter * 2.0))

    def after_train_epoch(self, runner: Any) -> None:
        runner.log_buffer.output["legacy_metric"] = 0.5 + runner.epoch
        runner.log_buffer.output["legacy_copypaste"] = "0.1 0.2"  # text only: not sent
        runner.log_buffer.ready = True


def test_log_buffer_values_reach_the_message_hub(tmp_path: Path) -> None:
    runner = _run(tmp_path, "epoch", LegacyNet(), [WritesToLogBuffer()])
    hub = runner.message_hub
    counts, _ = hub.get_scalar("train/legacy_count").data
    assert list(counts) == [2.0 * i for i in range(MAX_EPOCHS * 4)]
    metrics, _ = hub.get_scalar("train/legacy_metric").data
    assert list(metrics) == [0.5, 1.5, 2.5]  # once per epoch, not once per hook call
    assert "train/legacy_copypaste" not in hub.log_scalars
    # train_step's own log_vars are logged by mmlight once, not again through the buffer
    assert len(hub.get_scalar("train/loss").data[0]) == MAX_EPOCHS * 4
