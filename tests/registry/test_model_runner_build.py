"""MODELS and RUNNERS build like mmengine's: model lists -> Sequential, runner_type -> from_cfg."""

from __future__ import annotations

from typing import Any

import pytest

from mmlight.config import Config
from mmlight.registry import (
    MODELS,
    RUNNERS,
    Registry,
    build_model_from_cfg,
    build_runner_from_cfg,
)


class _RecordingRunner:
    """Stands in for a Runner: keeps what ``from_cfg`` was given."""

    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg

    @classmethod
    def from_cfg(cls, cfg: Any) -> _RecordingRunner:
        return cls(cfg)


def test_root_registries_and_their_children_use_them() -> None:
    assert MODELS.build_func is build_model_from_cfg
    assert RUNNERS.build_func is build_runner_from_cfg
    assert Registry("backbone", parent=MODELS, scope="mmdemo").build_func is build_model_from_cfg


def test_list_of_model_configs_builds_a_sequential() -> None:
    torch = pytest.importorskip("torch")
    from mmlight.model import Sequential

    registry = Registry("layer", build_func=build_model_from_cfg)
    registry.register_module(module=torch.nn.Linear)
    model = registry.build([dict(type="Linear", in_features=2, out_features=3),
                            dict(type="Linear", in_features=3, out_features=1)])
    assert isinstance(model, Sequential) and len(model) == 2
    assert model[1].in_features == 3
    single = registry.build(dict(type="Linear", in_features=2), default_args={"out_features": 4})
    assert isinstance(single, torch.nn.Linear) and single.out_features == 4


def test_runner_type_picks_the_class_and_from_cfg_gets_the_config() -> None:
    registry = Registry("runner", build_func=build_runner_from_cfg)
    registry.register_module(name="Runner", module=_RecordingRunner)
    registry.register_module(name="Custom", module=type("Custom", (_RecordingRunner,), {}))

    default = registry.build(Config(dict(model=1, work_dir="w")))
    assert type(default) is _RecordingRunner and default.cfg["work_dir"] == "w"
    custom = registry.build(dict(runner_type="Custom", model=1))
    assert type(custom).__name__ == "Custom" and custom.cfg == dict(runner_type="Custom", model=1)
    by_class = registry.build(dict(runner_type=_RecordingRunner, model=2))
    assert type(by_class) is _RecordingRunner


def test_scope_key_is_popped_before_from_cfg() -> None:
    registry = Registry("runner", build_func=build_runner_from_cfg, scope="mmdemo_runner")
    registry.register_module(name="Runner", module=_RecordingRunner)
    runner = registry.build(dict(_scope_="mmdemo_runner", model=1))
    assert "_scope_" not in runner.cfg


def test_runner_errors_keep_mmengines_types_and_wording() -> None:
    registry = Registry("runner", build_func=build_runner_from_cfg)
    with pytest.raises(KeyError, match=r"'Nope' is not in the .*runner registry"):
        registry.build(dict(runner_type="Nope"))
    with pytest.raises(TypeError, match="type must be a str or valid type"):
        registry.build(dict(runner_type=3))
    with pytest.raises(AssertionError, match="cfg should be a dict, ConfigDict or Config"):
        build_runner_from_cfg([1], registry)
    with pytest.raises(AssertionError, match="registry should be a"):
        build_runner_from_cfg({}, object())  # type: ignore[arg-type]


def test_same_results_as_mmengine() -> None:
    torch = pytest.importorskip("torch")
    engine = pytest.importorskip("mmengine.registry")

    configs = [dict(type="Linear", in_features=2, out_features=3),
               dict(type="ReLU")]
    built = []
    for reg_cls, builder in ((Registry, build_model_from_cfg),
                             (engine.Registry, engine.build_model_from_cfg)):
        registry = reg_cls("layer", build_func=builder)
        registry.register_module(module=torch.nn.Linear)
        registry.register_module(module=torch.nn.ReLU)
        built.append(registry.build(configs))
    assert [type(m).__name__ for m in built[0]] == [type(m).__name__ for m in built[1]]
    assert isinstance(built[1], torch.nn.Sequential) and isinstance(built[0], torch.nn.Sequential)

    runners = []
    for reg_cls, builder in ((Registry, build_runner_from_cfg),
                             (engine.Registry, engine.build_runner_from_cfg)):
        registry = reg_cls("runner", build_func=builder)
        registry.register_module(name="Runner", module=_RecordingRunner)
        runners.append(registry.build(dict(model=1, runner_type="Runner")))
    assert runners[0].cfg == runners[1].cfg
