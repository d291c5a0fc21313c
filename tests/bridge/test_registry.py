"""mmlight's registries and mmengine's see each other, with mmengine's scope rules.

Each test gets a fresh downstream package written against mmengine (``make_downstream``, see
conftest): child registries with the package's scope and ``locations`` under mmengine's roots.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mmengine.registry as mmengine_registry
import pytest
import torch
from torch import nn

from mmlight.hooks import CheckpointHook
from mmlight.model import BaseModel
from mmlight.registry import (
    HOOKS,
    METRICS,
    MODELS,
    TASK_UTILS,
    TRANSFORMS,
    DefaultScope,
    Registry,
    UnknownTypeError,
)
from tests.bridge.conftest import MakeDownstream

pytestmark = pytest.mark.interop


@pytest.fixture
def scope(make_downstream: MakeDownstream) -> str:
    return make_downstream()


@pytest.fixture
def in_scope(scope: str) -> Iterator[str]:
    """``scope`` made mmlight's default scope (as a config's ``default_scope`` does)."""
    with DefaultScope.overwrite_default_scope(scope):
        yield scope


def _unregister(registry: Any, name: str) -> None:
    registry._module_dict.pop(name, None)


# ---------------------------------------------------------------------- mmlight -> mmengine
def test_plain_name_under_default_scope_reaches_the_scope_registry(in_scope: str) -> None:
    head = MODELS.build(dict(type="TinyHead", channels=3))

    models = sys.modules[f"{in_scope}.models"]
    assert type(head) is models.TinyHead
    assert type(head.norm) is models.TinyNorm  # built by the package's own MODELS.build
    assert type(METRICS.build(dict(type="TinyMetric"))).__module__ == f"{in_scope}.metrics"


def test_scope_dot_name_without_default_scope(scope: str) -> None:
    assert DefaultScope.get_current_instance() is None or (
        DefaultScope.get_current_instance().scope_name != scope  # type: ignore[union-attr]
    )
    found = TRANSFORMS.get(f"{scope}.AddOne")

    assert found is sys.modules[f"{scope}.transforms"].AddOne
    assert TRANSFORMS.build(dict(type=f"{scope}.AddOne"))(dict(value=1)) == dict(value=2)


def test_scope_registry_and_locations_are_imported_on_first_lookup(scope: str) -> None:
    assert f"{scope}.registry" not in sys.modules

    assert f"{scope}.TinyDataset" in _dataset_registry()

    assert f"{scope}.registry" in sys.modules
    assert f"{scope}.datasets" in sys.modules  # the DATASETS child's location
    assert f"{scope}.models" not in sys.modules  # other registries' locations: not yet
    with DefaultScope.overwrite_default_scope(scope):
        MODELS.build(dict(type="TinyNorm", num_features=2))
    assert f"{scope}.models" in sys.modules


def _dataset_registry() -> Registry:
    from mmlight.registry import DATASETS

    return DATASETS


def test_scope_own_name_wins_over_both_roots(in_scope: str) -> None:
    hook = HOOKS.build(dict(type="CheckpointHook"))

    assert type(hook).__module__ == f"{in_scope}.hooks"


def test_a_name_in_both_roots_is_mmlights(scope: str) -> None:
    import mmengine.hooks

    assert HOOKS.get("CheckpointHook") is CheckpointHook
    assert HOOKS.get("mmengine.CheckpointHook") is CheckpointHook
    # mmengine's own lookups are unchanged
    assert mmengine_registry.HOOKS.get("CheckpointHook") is mmengine.hooks.CheckpointHook


def test_a_name_only_mmengines_root_has_is_found_after_mmlights_root(scope: str) -> None:
    import mmengine.model  # noqa: F401 - fills mmengine's MODEL_WRAPPERS

    from mmlight.registry import MODEL_WRAPPERS

    # a wrapper registered in mmengine's root only (mmlight has all of mmengine's own names)
    class OnlyInMmengineWrapper(nn.Module):
        pass

    mmengine_registry.MODEL_WRAPPERS.register_module(module=OnlyInMmengineWrapper)
    try:
        assert MODEL_WRAPPERS.get("OnlyInMmengineWrapper") is OnlyInMmengineWrapper
    finally:
        mmengine_registry.MODEL_WRAPPERS._module_dict.pop("OnlyInMmengineWrapper")


def test_mmlights_own_child_scope_wins_over_mmengines_of_that_scope(scope: str) -> None:
    import importlib

    importlib.import_module(f"{scope}.registry")  # mmengine's tree has the scope now
    ours = Registry("metric", parent=METRICS, scope=scope)

    @ours.register_module()
    class TinyMetric:
        pass

    with DefaultScope.overwrite_default_scope(scope):
        assert METRICS.build(dict(type="TinyMetric")).__class__ is TinyMetric
    assert METRICS.get(f"{scope}.TinyMetric") is TinyMetric


def test_unknown_name_lists_both_trees(in_scope: str) -> None:
    with pytest.raises(UnknownTypeError) as info:
        MODELS.build(dict(type="TinyHaed"))

    err = info.value
    assert err.searched == [f"{in_scope}::model", "mmlight::model", "mmengine::model"]
    assert "TinyHead" in err.suggestions
    assert str(err).startswith(
        f"'TinyHaed' is not in the {in_scope}::model registry (searched: {in_scope}::model, "
        "mmlight::model, mmengine::model), did you mean"
    )


def test_unknown_scoped_name_names_the_scope_registry(scope: str) -> None:
    with pytest.raises(UnknownTypeError, match=rf"'{scope}.AddOen' .*did you mean 'AddOne'\?"):
        TRANSFORMS.build(dict(type=f"{scope}.AddOen"))


def test_unknown_scope_still_reads_as_before(scope: str) -> None:
    with pytest.raises(
        UnknownTypeError,
        match=r"'nopkg.X' is not in the mmlight::transform registry .*no registry has the scope "
        r"'nopkg' and no package 'nopkg' is installed",
    ):
        TRANSFORMS.build(dict(type="nopkg.X"))


def test_a_scope_registry_built_directly_uses_the_packages_builder(scope: str) -> None:
    with TASK_UTILS.switch_scope_and_registry(scope) as registry:
        assert registry.scope == scope
        built = registry.build(dict(type="TinyAssigner"))
    assert built.built_by == ("package builder", scope)


def test_an_mmengine_scheduler_found_under_a_scope_converts_to_iterations(in_scope: str) -> None:
    """mmlight's PARAM_SCHEDULERS builder does what mmengine's does: build_iter_from_epoch."""
    from mmlight.registry import PARAM_SCHEDULERS

    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    scheduler = PARAM_SCHEDULERS.build(
        dict(type="TinyWarmupLR", by_epoch=True, begin=0, end=2, convert_to_iter_based=True),
        default_args=dict(optimizer=optimizer, epoch_length=5),
    )

    assert type(scheduler).__module__ == f"{in_scope}.schedulers"
    assert (scheduler.begin, scheduler.end, scheduler.by_epoch) == (0, 10, False)


def test_mmcv_names_and_the_collision_rule(scope: str) -> None:
    pytest.importorskip("mmcv")
    import mmcv.cnn
    import mmcv.transforms

    assert MODELS.get("BN") is nn.BatchNorm2d
    assert MODELS.get("ConvModule") is mmcv.cnn.ConvModule
    assert TRANSFORMS.get("LoadImageFromFile") is mmcv.transforms.LoadImageFromFile
    # no scope: mmcv's LoadAnnotations (mmengine's root); the scope's own under its scope
    assert TRANSFORMS.get("LoadAnnotations") is mmcv.transforms.LoadAnnotations
    with DefaultScope.overwrite_default_scope(scope):
        t = TRANSFORMS.build(dict(type="LoadAnnotations"))
    assert t(dict()) == dict(loaded_by=scope)
    assert TRANSFORMS.get(f"{scope}.LoadAnnotations") is type(t)


def test_mmcv_model_built_through_mmlight(in_scope: str) -> None:
    pytest.importorskip("mmcv")

    net = MODELS.build(dict(type="ConvNet", norm_cfg=dict(type="BN")))

    assert isinstance(net.block.bn, nn.BatchNorm2d)
    assert net(torch.zeros(1, 3, 5, 5)).shape == (1, 4, 5, 5)


# ---------------------------------------------------------------------- mmengine -> mmlight
@pytest.fixture
def my_norm() -> Iterator[type]:
    """A norm layer registered in mmlight's MODELS, as a migrated repository registers it."""

    @MODELS.register_module()
    class MyBridgeNorm(nn.BatchNorm1d):
        _abbr_ = "mynorm"

    yield MyBridgeNorm
    _unregister(MODELS, "MyBridgeNorm")


def test_mmengine_root_finds_an_mmlight_registration(my_norm: type) -> None:
    assert mmengine_registry.MODELS.get("MyBridgeNorm") is my_norm
    assert "MyBridgeNorm" in mmengine_registry.MODELS
    built = mmengine_registry.MODELS.build(dict(type="MyBridgeNorm", num_features=3))
    assert type(built) is my_norm


def test_downstream_model_code_builds_an_mmlight_type(scope: str, my_norm: type) -> None:
    import importlib

    pkg_models = importlib.import_module(f"{scope}.registry").MODELS

    head = pkg_models.build(dict(type="TinyHead", norm_cfg=dict(type="MyBridgeNorm")))

    assert type(head.norm) is my_norm


def test_mmengine_misses_stay_misses(my_norm: type) -> None:
    assert mmengine_registry.MODELS.get("NoSuchLayer") is None
    with pytest.raises(KeyError, match="NoSuchLayer is not in the mmengine::model registry"):
        mmengine_registry.MODELS.build(dict(type="NoSuchLayer"))


def test_mmcv_build_norm_layer_finds_an_mmlight_norm(my_norm: type) -> None:
    pytest.importorskip("mmcv")
    from mmcv.cnn import build_norm_layer

    name, layer = build_norm_layer(dict(type="MyBridgeNorm"), 8)

    assert name == "mynorm"
    assert type(layer) is my_norm
    assert layer.num_features == 8


def test_mmcv_conv_module_with_an_mmlight_norm(scope: str, my_norm: type) -> None:
    pytest.importorskip("mmcv")
    from mmcv.cnn import ConvModule

    @MODELS.register_module()
    class MyBridgeNorm2d(nn.BatchNorm2d):
        _abbr_ = "mynorm"

    try:
        block = ConvModule(3, 4, 1, norm_cfg=dict(type="MyBridgeNorm2d"))
    finally:
        _unregister(MODELS, "MyBridgeNorm2d")
    assert type(block.norm) is MyBridgeNorm2d


def test_mmcv_compose_builds_an_mmlight_transform(scope: str) -> None:
    pytest.importorskip("mmcv")
    from mmcv.transforms import Compose

    @TRANSFORMS.register_module()
    class Double:
        def __call__(self, results: dict) -> dict:
            return dict(results, value=results["value"] * 2)

    try:
        pipeline = Compose([dict(type=f"{scope}.AddOne"), dict(type="Double")])
    finally:
        _unregister(TRANSFORMS, "Double")
    assert pipeline(dict(value=1)) == dict(value=4)


def test_migrated_child_registry_reached_through_the_default_scope(my_norm: type) -> None:
    """A migrated package hangs its registry under mmlight's MODELS; mmengine's root asks it."""
    migrated = Registry("model", parent=MODELS, scope="migrated_pkg")

    @migrated.register_module()
    class MigratedNorm(nn.BatchNorm1d):
        pass

    assert mmengine_registry.MODELS.get("MigratedNorm") is None  # no scope: mmlight's root only
    with DefaultScope.overwrite_default_scope("migrated_pkg"):
        assert mmengine_registry.MODELS.get("MigratedNorm") is MigratedNorm
    assert mmengine_registry.MODELS.get("mmlight.MyBridgeNorm") is my_norm
    assert mmengine_registry.MODELS.get("migrated_pkg.MigratedNorm") is MigratedNorm


# ---------------------------------------------------------------------- a whole run
@MODELS.register_module(force=True)
class BridgeNet(BaseModel):
    """An mmlight model whose parts are named in its config and built through mmlight's MODELS."""

    def __init__(self, head: dict, extra: dict | None = None) -> None:
        super().__init__()
        self.head = MODELS.build(head)
        self.extra = MODELS.build(extra) if extra is not None else None

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        x = torch.stack(inputs)
        out = self.head(x).squeeze(1)
        if mode == "loss":
            return dict(loss=((out - torch.tensor(data_samples)) ** 2).mean())
        return out


def test_runner_trains_a_model_configured_with_mmengine_registered_types(
    tmp_path: Path, scope: str
) -> None:
    from mmlight.runner import Runner

    data = [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(8)]
    extra = None
    if _has_mmcv():
        extra = dict(
            type="ConvModule",
            in_channels=1,
            out_channels=1,
            kernel_size=1,
            norm_cfg=dict(type="BN"),
        )
    runner = Runner(
        model=dict(type="BridgeNet", head=dict(type="TinyHead", channels=2), extra=extra),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data, sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4
        ),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
        default_scope=scope,
        randomness=dict(seed=0),
    )
    runner.train()

    models = sys.modules[f"{scope}.models"]
    assert type(runner.model.head) is models.TinyHead
    assert type(runner.model.head.norm) is models.TinyNorm
    if extra is not None:
        import mmcv.cnn

        assert type(runner.model.extra) is mmcv.cnn.ConvModule
    assert runner.iter == 4


def _has_mmcv() -> bool:
    try:
        import mmcv.cnn  # noqa: F401
    except ImportError:
        return False
    return True
