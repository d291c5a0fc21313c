"""MMSeparateDDPStrategy: ``model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel')``.

Two CPU processes on gloo train a two-part model (each part with its own optimizer and its own
update, as a GAN does) through the Runner. Rank r of 2 with ``DefaultSampler(shuffle=False)``
and batch 2 sees half of the single process's batch of 4, every loss is a batch mean, so each
part's averaged gradient equals the single process's and the weights must agree with a
one-process run of the same Runner.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
import torch
from lightning.pytorch.strategies import DDPStrategy
from torch import nn

from mmlight.lightning.separate_ddp import MMSeparateDDPStrategy
from mmlight.model import BaseModel


class TwoPart(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.gen = nn.Linear(3, 3)
        self.disc = nn.Linear(3, 1)
        with torch.no_grad():
            self.gen.weight.copy_(torch.eye(3) * 0.5)
            self.gen.bias.fill_(0.1)
            self.disc.weight.fill_(0.2)
            self.disc.bias.zero_()

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        return [self.disc(self.gen(inputs))]

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        data = self.data_preprocessor(data, True)
        inputs = torch.stack(data["inputs"])  # pseudo_collate keeps a list
        with optim_wrapper["disc"].optim_context(self.disc):
            loss_d = self.disc(self.gen(inputs).detach()).pow(2).mean()
        optim_wrapper["disc"].update_params(loss_d)
        with optim_wrapper["gen"].optim_context(self.gen):
            loss_g = (1 - self.disc(self.gen(inputs))).pow(2).mean()
        optim_wrapper["gen"].update_params(loss_g)
        return dict(loss_d=loss_d.detach(), loss_g=loss_g.detach())


def _data() -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(3, generator=generator)) for _ in range(8)]


def _runner(work_dir: Path, batch_size: int, launcher: str, accumulate: int = 1) -> Any:
    from mmlight.config import Config
    from mmlight.optim import OptimWrapper, OptimWrapperDict
    from mmlight.runner import Runner

    model = TwoPart()
    # each part's own optimizer, as a GAN's
    optim_wrapper = OptimWrapperDict(
        gen=OptimWrapper(torch.optim.SGD(model.gen.parameters(), lr=0.1),
                         accumulative_counts=accumulate),
        disc=OptimWrapper(torch.optim.SGD(model.disc.parameters(), lr=0.1),
                          accumulative_counts=accumulate),
    )
    return Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=_data(), batch_size=batch_size,
                              sampler=dict(type="DefaultSampler", shuffle=False)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=optim_wrapper,
        launcher=launcher,
        env_cfg=dict(dist_cfg=dict(backend="gloo")),
        default_hooks=dict(logger=None),
        cfg=Config(dict(model_wrapper_cfg=dict(type="MMSeparateDistributedDataParallel"))),
    )


def worker(rank: int, world_size: int, workdir: Path) -> dict[str, Any]:
    accumulate = int(os.environ["MMLIGHT_TEST_ACCUMULATE"])
    runner = _runner(workdir / "work", batch_size=2, launcher="pytorch", accumulate=accumulate)
    runner.train()
    wrapped = runner.model
    saved = {}
    if rank == 0:  # rank 0 writes the checkpoints
        saved = torch.load(workdir / "work" / "epoch_2.pth", weights_only=True)["state_dict"]
    return dict(
        strategy=type(runner._trainer.strategy).__name__,
        wrapper=type(wrapped).__name__,
        children={name: type(child).__name__ for name, child in wrapped.module.named_children()},
        state={k: v.clone() for k, v in wrapped.module.state_dict().items()},
        saved_keys=sorted(saved),
    )


def _load_harness() -> Any:
    path = Path(__file__).parents[1] / "dist" / "gloo_harness.py"
    spec = importlib.util.spec_from_file_location("mmlight_tests_gloo_harness_separate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# accumulate=2: the micro-batches that do not end a group run under every submodule DDP's
# no_sync (the strategy's block_backward_sync); the result is the same either way, so this
# shows the path runs on real DDPs without a hang or double counting, and the unit test below
# that the sync flags do flip.
@pytest.mark.parametrize("accumulate", [1, 2])
def test_two_gloo_processes_train_like_one(tmp_path: Path, accumulate: int) -> None:
    results = _load_harness().run_on_gloo(
        __file__, "worker", tmp_path / "dist", timeout=180,
        env={"MMLIGHT_TEST_ACCUMULATE": str(accumulate)},
    )
    single = _runner(tmp_path / "single", batch_size=4, launcher="none", accumulate=accumulate)
    single.train()
    expected = single.model.state_dict()
    for result in results:
        assert result["strategy"] == "MMSeparateDDPStrategy"
        assert result["wrapper"] == "MMSeparateDistributedDataParallel"
        assert result["children"] == dict(gen="MMDistributedDataParallel",
                                          disc="MMDistributedDataParallel",
                                          data_preprocessor="BaseDataPreprocessor")
    # checkpoints are keyed as the bare model is
    assert results[0]["saved_keys"] == sorted(expected)
    for result in results:
        for key, value in expected.items():
            torch.testing.assert_close(result["state"][key], value)
    # the untrained weights moved: the comparison is not vacuous
    assert not torch.equal(expected["gen.weight"], TwoPart().gen.weight)


class _Module(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.model = TwoPart()


def test_setup_model_wraps_the_base_model_and_not_the_lightning_module(tmp_path: Path) -> None:
    import torch.distributed as dist

    from mmlight.model import MMSeparateDistributedDataParallel

    strategy = MMSeparateDDPStrategy(parallel_devices=[torch.device("cpu")],
                                     find_unused_parameters=True)
    assert isinstance(strategy, DDPStrategy)
    module = _Module()
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        assert strategy._setup_model(module) is module
        wrapped = module.model
        assert isinstance(wrapped, MMSeparateDistributedDataParallel)
        assert wrapped.module.gen.find_unused_parameters is True
        assert strategy._setup_model(module).model is wrapped  # not wrapped twice
        strategy.model = module
        strategy._lightning_module = module  # type: ignore[assignment]  # as connect() sets
        with strategy.block_backward_sync():
            assert not wrapped.module.gen.require_backward_grad_sync
        assert wrapped.module.disc.require_backward_grad_sync
    finally:
        dist.destroy_process_group()
    with pytest.raises(TypeError, match="wraps the `model` attribute of mmlight's "
                       "MMLightningModule; Linear has none"):
        strategy._setup_model(nn.Linear(1, 1))
    hooked = MMSeparateDDPStrategy(ddp_comm_hook=lambda *args: None)
    with pytest.raises(ValueError, match="ddp_comm_hook/ddp_comm_wrapper are not supported"):
        hooked._register_ddp_hooks()
