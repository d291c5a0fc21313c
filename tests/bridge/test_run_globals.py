"""``mmlight.bridge.run_globals``: during an mmlight run, mmengine's current ``DefaultScope``,
``MessageHub``, ``MMLogger`` and ``Visualizer`` are the run's, for downstream code that asks
mmengine's classes (``print_log(logger='current')``, ``Visualizer.get_current_instance()``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mmengine.logging as engine_logging
import mmengine.registry as engine_registry
import mmengine.visualization as engine_visualization
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.bridge.run_globals import RunScope
from mmlight.hooks import Hook
from mmlight.logging import MessageHub, MMLogger
from mmlight.model import BaseModel
from mmlight.registry import DefaultScope
from mmlight.runner import Runner
from mmlight.visualization import Visualizer
from tests.bridge.test_activation import run_python

pytestmark = pytest.mark.interop

ENGINE_CLASSES = (
    engine_registry.DefaultScope,
    engine_logging.MessageHub,
    engine_logging.MMLogger,
    engine_visualization.Visualizer,
)


@pytest.fixture(autouse=True)
def _mmlight_globals_restored() -> Iterator[None]:
    """mmlight's tables as they were (conftest restores mmengine's and the bridge's record)."""
    classes = (MessageHub, MMLogger, Visualizer)
    saved = {cls: cls._instance_dict.copy() for cls in classes}
    yield
    for cls, table in saved.items():
        cls._instance_dict = table


class TinyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.mse_loss(out.squeeze(1), torch.tensor(data_samples)))
        return out


def _loader() -> dict:
    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    return dict(dataset=data, sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4)


def _runner(tmp_path: Path, **kwargs: Any) -> Runner:
    return Runner(
        model=TinyModel(),
        work_dir=str(tmp_path),
        default_hooks=dict(checkpoint=None),
        randomness=dict(seed=0),
        **kwargs,
    )


def _current() -> dict[str, Any]:
    scope, hub, logger, visualizer = (cls.get_current_instance() for cls in ENGINE_CLASSES)
    return dict(scope=scope, message_hub=hub, logger=logger, visualizer=visualizer)


def test_after_runner_construction_mmengine_current_instances_are_the_runs(
    tmp_path: Path,
) -> None:
    runner = _runner(tmp_path, default_scope="mmlight")

    current = _current()
    assert current["message_hub"] is runner.message_hub
    assert current["logger"] is runner.logger
    assert current["visualizer"] is runner.visualizer
    assert isinstance(current["scope"], engine_registry.DefaultScope)
    # mmlight's root scope is mmengine's root scope on mmengine's side
    assert current["scope"].scope_name == "mmengine"


def test_mmengine_builders_in_the_run_scope_do_not_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(
        engine_logging, "print_log", lambda msg, *a, **k: warned.append(msg)
    )
    _runner(tmp_path, default_scope="mmlight")

    with engine_registry.MODELS.switch_scope_and_registry(None) as registry:
        assert registry is engine_registry.MODELS
    assert warned == []


def test_a_downstream_scope_is_mmengines_default_scope(
    tmp_path: Path, make_downstream: Any
) -> None:
    scope = make_downstream()
    _runner(tmp_path, default_scope=scope)

    assert engine_registry.DefaultScope.get_current_instance().scope_name == scope
    with engine_registry.MODELS.switch_scope_and_registry(None) as registry:
        assert registry.scope == scope  # mmengine's builders start in the package's registry


def test_mmlight_scope_switches_are_seen_by_mmengine(tmp_path: Path, make_downstream: Any) -> None:
    scope = make_downstream()
    _runner(tmp_path, default_scope="mmengine")

    with DefaultScope.overwrite_default_scope(scope):
        assert engine_registry.DefaultScope.get_current_instance().scope_name == scope
    assert engine_registry.DefaultScope.get_current_instance().scope_name == "mmengine"


def test_mmengine_scope_switches_keep_the_run_scope(tmp_path: Path) -> None:
    _runner(tmp_path, default_scope="mmlight")
    run_scope = engine_registry.DefaultScope.get_current_instance()
    assert isinstance(run_scope, RunScope)

    # mmengine restores a deep copy of its table afterwards: the run's entry must survive it
    with engine_registry.DefaultScope.overwrite_default_scope("mmengine"):
        pass
    assert engine_registry.DefaultScope.get_current_instance() is run_scope
    assert copy.deepcopy(run_scope) is run_scope


def test_print_log_current_writes_to_the_run_log(tmp_path: Path) -> None:
    runner = _runner(tmp_path)

    engine_logging.print_log("said through mmengine's print_log", logger="current")

    for handler in runner.logger.handlers:
        handler.flush()
    log_file = Path(runner.logger.log_file)
    assert "said through mmengine's print_log" in log_file.read_text()


class GlobalsSeenHook(Hook):
    """Downstream code during the run: asks mmengine's classes, as mmseg's hooks do."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        current = _current()
        self.seen.append(
            (
                current["message_hub"] is runner.message_hub,
                current["logger"] is runner.logger,
                current["visualizer"] is runner.visualizer,
                current["scope"].scope_name,
                current["message_hub"].get_info("iter"),
            )
        )


def test_downstream_code_sees_the_run_while_it_trains(tmp_path: Path) -> None:
    hook = GlobalsSeenHook()
    runner = _runner(
        tmp_path,
        train_dataloader=_loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        custom_hooks=[hook],
        default_scope="mmlight",
    )
    runner.train()

    assert hook.seen == [(True, True, True, "mmengine", 0), (True, True, True, "mmengine", 1)]


def test_a_later_run_takes_over(tmp_path: Path) -> None:
    _runner(tmp_path / "first", experiment_name="first")
    second = _runner(tmp_path / "second", experiment_name="second")

    assert _current()["message_hub"] is second.message_hub
    assert _current()["logger"] is second.logger


def test_mmengine_imported_after_the_runner_is_built_sees_the_run(tmp_path: Path) -> None:
    out = run_python(
        f"""
        import sys
        from torch import nn
        from mmlight.runner import Runner
        runner = Runner(model=nn.Linear(1, 1), work_dir={str(tmp_path)!r}, default_scope='mmlight')
        print(sorted(m for m in sys.modules if m.split('.')[0] == 'mmengine'))
        from mmengine.logging import MessageHub, MMLogger
        from mmengine.registry import DefaultScope
        from mmengine.visualization import Visualizer
        print(MessageHub.get_current_instance() is runner.message_hub,
              MMLogger.get_current_instance() is runner.logger,
              Visualizer.get_current_instance() is runner.visualizer,
              DefaultScope.get_current_instance().scope_name)
        """
    )
    assert out.splitlines()[-2:] == ["[]", "True True True mmengine"]  # after the run banner
