"""``strategy=dict(type='FSDPStrategy', ...)`` (mmengine's FlexibleRunner spelling) on two CPU
processes (gloo): the model is sharded with MMFullyShardedDataParallel, mmengine's
``activation_checkpointing=dict(check_fn=...)`` wraps the submodules it selects, and the
weights after training equal a one-process run's (each rank sees half of the batch, the loss is
a batch mean)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mmlight.model import BaseModel


class Regressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        first, last = nn.Linear(3, 4), nn.Linear(4, 1)
        self.body = nn.Sequential(first, nn.Tanh(), last)
        torch.manual_seed(0)
        for layer in (first, last):
            nn.init.normal_(layer.weight, std=0.5)
            nn.init.zeros_(layer.bias)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.body(torch.stack(inputs)).squeeze(1)
        if mode == "loss":
            return dict(loss=(out - torch.stack(data_samples)).pow(2).mean())
        return [out]


def is_linear(module: nn.Module) -> bool:
    return isinstance(module, nn.Linear)


def _data() -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(3, generator=generator),
                 data_samples=torch.randn((), generator=generator)) for _ in range(8)]


def _runner(work_dir: Path, batch_size: int, launcher: str, strategy: Any) -> Any:
    from mmlight.config import Config
    from mmlight.runner import Runner

    return Runner(
        model=Regressor(),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=_data(), batch_size=batch_size,
                              sampler=dict(type="DefaultSampler", shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(logger=None, checkpoint=None),
        cfg=Config(dict(strategy=strategy) if strategy else {}),
    )


def worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import CheckpointWrapper
    from torch.distributed.fsdp import FullyShardedDataParallel

    from mmlight.registry import FUNCTIONS

    # a FUNCTIONS name, as a config (which must stay dumpable) gives it
    FUNCTIONS.register_module(name="mmlight_test_is_linear", module=is_linear, force=True)
    strategy = dict(type="FSDPStrategy", model_wrapper=dict(use_orig_params=True),
                    activation_checkpointing=dict(check_fn="mmlight_test_is_linear"))
    runner = _runner(workdir / "work", batch_size=2, launcher="pytorch", strategy=strategy)
    runner.train()
    wrapped = runner.model
    with FullyShardedDataParallel.summon_full_params(wrapped):
        state = {name: p.detach().clone() for name, p in wrapped.module.named_parameters()}
    return dict(
        strategy=type(runner._trainer.strategy).__name__,
        wrapper=type(wrapped).__name__,
        checkpointed=sum(isinstance(m, CheckpointWrapper) for m in wrapped.modules()),
        state=state,
    )


def _load_harness() -> Any:
    path = Path(__file__).parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness_fsdp_cfg", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fsdp_strategy_dict_trains_on_two_gloo_processes(tmp_path: Path) -> None:
    results = _load_harness().run_on_gloo(__file__, "worker", tmp_path / "dist", timeout=180)
    single = _runner(tmp_path / "single", batch_size=4, launcher="none", strategy=None)
    single.train()
    expected = {name: p.detach() for name, p in single.model.named_parameters()}
    for result in results:
        assert result["strategy"] == "MMFSDPStrategy"
        assert result["wrapper"] == "MMFullyShardedDataParallel"
        assert result["checkpointed"] == 2  # the two Linear layers
        got = {name.replace("_checkpoint_wrapped_module.", ""): value
               for name, value in result["state"].items()}
        assert got.keys() == expected.keys()
        for name, value in expected.items():
            torch.testing.assert_close(got[name], value)
    assert not torch.equal(expected["body.0.weight"], Regressor().state_dict()["body.0.weight"])
