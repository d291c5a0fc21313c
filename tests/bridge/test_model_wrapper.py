"""A downstream package's ``MMDistributedDataParallel`` subclass as ``model_wrapper_cfg``.

The wrapper (as mmagic's/mmdet's do) overrides ``train_step``: it counts its calls and halves
the loss before the update. Two gloo processes with the wrapper must reach the weights one
process reaches *without* it on a model whose loss is halved by hand, which happens only if the
wrapper's own ``train_step`` ran, its forward all-reduced the gradients (each rank sees half
the single batch; losses are batch means), and mmlight's OptimWrapper stepped under Lightning.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

pytestmark = pytest.mark.interop

pytest.importorskip("mmengine")

from mmengine.model import BaseModel as EngineBaseModel  # noqa: E402
from mmengine.model.wrappers import MMDistributedDataParallel  # noqa: E402
from mmengine.registry import MODEL_WRAPPERS as ENGINE_MODEL_WRAPPERS  # noqa: E402

from mmlight.lightning.dist_strategy import StrategyConfigError, model_wrapper_call  # noqa: E402


class HalvingDDP(MMDistributedDataParallel):
    """A downstream wrapper whose ``train_step`` does something observable."""

    def __init__(self, module: nn.Module, tag: str = "", **kwargs: Any) -> None:
        super().__init__(module=module, **kwargs)
        self.tag = tag
        self.train_calls = 0

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        self.train_calls += 1
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode="loss")
        losses = {name: value * 0.5 for name, value in losses.items()}
        parsed, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars


ENGINE_MODEL_WRAPPERS.register_module(module=HalvingDDP, force=True)


class Regressor(EngineBaseModel):
    """A model of a package written against mmengine; ``scale`` multiplies its loss."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.fc = nn.Linear(3, 1)
        with torch.no_grad():
            self.fc.weight.fill_(0.3)
            self.fc.bias.fill_(-0.1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        x = torch.stack(inputs)
        out = self.fc(x)
        if mode == "loss":
            target = x.sum(dim=1, keepdim=True)
            return dict(loss=(out - target).pow(2).mean() * self.scale)
        return out


def _data() -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(3, generator=generator)) for _ in range(8)]


def _runner(work_dir: Path, batch_size: int, launcher: str, scale: float) -> Any:
    from mmlight.config import Config
    from mmlight.runner import Runner

    return Runner(
        model=Regressor(scale),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=_data(), batch_size=batch_size,
                              sampler=dict(type="DefaultSampler", shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(logger=None),
        cfg=Config(dict(model_wrapper_cfg=dict(
            type="HalvingDDP", tag="from-config", broadcast_buffers=False))),
    )


def worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    runner = _runner(workdir / "work", batch_size=2, launcher="pytorch", scale=1.0)
    runner.train()
    wrapped = runner.model
    saved = {}
    if rank == 0:
        saved = torch.load(workdir / "work" / "epoch_2.pth", weights_only=True)["state_dict"]
    return dict(
        strategy=type(runner._trainer.strategy).__name__,
        wrapper=type(wrapped).__name__,
        tag=wrapped.tag,
        calls=wrapped.train_calls,
        state={k: v.clone() for k, v in wrapped.module.state_dict().items()},
        saved_keys=sorted(saved),
    )


def _load_harness() -> Any:
    path = Path(__file__).parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness_bridge_ddp", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_gloo_processes_run_the_downstream_wrappers_train_step(tmp_path: Path) -> None:
    results = _load_harness().run_on_gloo(__file__, "worker", tmp_path / "dist", timeout=240)
    single = _runner(tmp_path / "single", batch_size=4, launcher="none", scale=0.5)
    single.train()
    expected = single.model.state_dict()
    for result in results:
        assert result["strategy"] == "DownstreamDDPStrategy"
        assert result["wrapper"] == "HalvingDDP" and result["tag"] == "from-config"
        assert result["calls"] == 4  # 2 epochs x 2 iterations (4 of the 8 samples per rank)
        for key, value in expected.items():
            torch.testing.assert_close(result["state"][key], value)
    assert results[0]["saved_keys"] == sorted(expected)  # checkpoints keyed as the bare model
    assert not torch.equal(expected["fc.weight"], Regressor().fc.weight)  # it trained


def test_the_wrapper_maps_to_the_bridges_strategy_by_name_or_class() -> None:
    for given in ("HalvingDDP", HalvingDDP):
        call = model_wrapper_call(dict(type=given, tag="t", device_ids=[0]), "gloo")
        assert call.target == "mmlight.bridge.model_wrapper.DownstreamDDPStrategy"
        assert call.kwargs == dict(
            process_group_backend="gloo", wrapper_class=HalvingDDP, wrapper_kwargs=dict(tag="t")
        )
        strategy = call.build()
        assert type(strategy).__name__ == "DownstreamDDPStrategy"
        assert strategy.wrapper_class is HalvingDDP


def test_an_unknown_wrapper_is_still_refused() -> None:
    with pytest.raises(StrategyConfigError, match=r"model_wrapper_cfg.type='NoSuchDDP' is not a "
                                                  r"model wrapper mmlight can map to Lightning"):
        model_wrapper_call(dict(type="NoSuchDDP"))


class _LightningModuleLike(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.model = Regressor()


def test_setup_model_wraps_the_base_model_in_the_downstream_class(tmp_path: Path) -> None:
    import torch.distributed as dist

    from mmlight.bridge.model_wrapper import DownstreamDDPStrategy

    strategy = DownstreamDDPStrategy(
        HalvingDDP, dict(tag="t", find_unused_parameters=True),
        parallel_devices=[torch.device("cpu")],
    )
    module = _LightningModuleLike()
    runner = type("RunnerLike", (), {"model": module.model})()
    object.__setattr__(module, "_runner", runner)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        assert strategy._setup_model(module) is module  # the LightningModule stays unwrapped
        wrapped = module.model
        assert isinstance(wrapped, HalvingDDP) and wrapped.tag == "t"
        assert wrapped.find_unused_parameters is True and isinstance(wrapped.module, Regressor)
        assert runner.model is wrapped  # as mmengine's Runner.model after wrap_model
        assert strategy._setup_model(module).model is wrapped  # not wrapped twice
        strategy.model = module
        strategy._lightning_module = module  # type: ignore[assignment]  # as connect() sets
        with strategy.block_backward_sync():
            assert not wrapped.require_backward_grad_sync
        assert wrapped.require_backward_grad_sync
    finally:
        dist.destroy_process_group()
    with pytest.raises(TypeError, match="wraps the `model` attribute of mmlight's "
                       "MMLightningModule; Linear has none"):
        strategy._setup_model(nn.Linear(1, 1))
