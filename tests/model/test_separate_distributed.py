"""MMDistributedDataParallel and MMSeparateDistributedDataParallel in a one-process gloo group.

Parity: the same two-submodule model (a GAN in miniature: each half has its own optimizer and
its own step) trains under mmengine's wrappers and mmlight's, from the same weights and data;
losses and weights must match exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist
from torch import nn

from mmlight.model import (
    BaseModel,
    MMDistributedDataParallel,
    MMSeparateDistributedDataParallel,
    is_model_wrapper,
)
from mmlight.optim import OptimWrapper, OptimWrapperDict
from mmlight.registry import MODEL_WRAPPERS


@pytest.fixture
def group(tmp_path: Path) -> Iterator[None]:
    """A one-process gloo group (DDP needs a process group even alone)."""
    if dist.is_initialized():
        pytest.skip("a process group is already initialised in this process")
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        dist.destroy_process_group()


def _two_part_model(base: type) -> Any:
    """``gen`` and ``disc`` trained in turn; ``frozen`` and ``act`` stay unwrapped."""

    class TwoPart(base):
        def __init__(self) -> None:
            super().__init__()
            self.gen = nn.Linear(3, 3)
            self.disc = nn.Linear(3, 1)
            self.frozen = nn.Linear(3, 3).requires_grad_(False)
            self.act = nn.ReLU()
            torch.manual_seed(0)
            for module in (self.gen, self.disc, self.frozen):
                nn.init.normal_(module.weight)
                nn.init.zeros_(module.bias)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            out = self.disc(self.act(self.gen(inputs)))
            if mode == "loss":
                return dict(loss=out.pow(2).mean())
            return [out]

        def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
            data = self.data_preprocessor(data, True)
            inputs = data["inputs"]
            log: dict[str, torch.Tensor] = {}
            with optim_wrapper["disc"].optim_context(self.disc):
                fake = self.gen(inputs).detach()
                loss_d = self.disc(self.frozen(fake)).pow(2).mean()
            optim_wrapper["disc"].update_params(loss_d)
            with optim_wrapper["gen"].optim_context(self.gen):
                loss_g = (1 - self.disc(self.gen(inputs))).pow(2).mean()
            optim_wrapper["gen"].update_params(loss_g)
            log["loss_d"], log["loss_g"] = loss_d.detach(), loss_g.detach()
            return log

    return TwoPart()


def _optim(model: Any, wrapper: type, wrapper_dict: type) -> Any:
    return wrapper_dict(
        gen=wrapper(torch.optim.SGD(model.gen.parameters(), lr=0.1)),
        disc=wrapper(torch.optim.SGD(model.disc.parameters(), lr=0.1)),
    )


def _data() -> list[dict[str, Any]]:
    generator = torch.Generator().manual_seed(1)
    return [dict(inputs=torch.randn(4, 3, generator=generator)) for _ in range(3)]


def test_each_trainable_submodule_gets_its_own_ddp(group: None) -> None:
    model = _two_part_model(BaseModel)
    wrapped = MMSeparateDistributedDataParallel(model)
    assert MODEL_WRAPPERS.get("MMSeparateDistributedDataParallel") is type(wrapped)
    assert is_model_wrapper(wrapped)
    assert wrapped.module is model
    assert isinstance(model.gen, MMDistributedDataParallel)
    assert isinstance(model.disc, MMDistributedDataParallel)
    # frozen or parameter-free submodules stay as they are
    assert type(model.frozen) is nn.Linear and type(model.act) is nn.ReLU
    # mmengine's defaults for each DDP
    assert model.gen.broadcast_buffers is False and model.gen.find_unused_parameters is False


def test_checkpoint_keys_are_those_of_the_bare_model(group: None) -> None:
    bare_keys = list(_two_part_model(BaseModel).state_dict())
    model = _two_part_model(BaseModel)
    wrapped = MMSeparateDistributedDataParallel(model)
    state = model.state_dict()
    assert list(state) == bare_keys
    assert set(state._metadata) >= {"gen", "disc"}
    assert not any("module" in key for key in state._metadata)
    # torch's load_state_dict takes wrapper-free keys and mmengine-style `gen.module.*` ones
    changed = {key: value + 1 for key, value in state.items()}
    model.load_state_dict(changed)
    assert torch.equal(model.gen.module.weight, changed["gen.weight"])
    prefixed = {key.replace("gen.", "gen.module.", 1): value for key, value in state.items()}
    model.load_state_dict(prefixed, strict=True)
    assert torch.equal(model.gen.module.weight, state["gen.weight"])
    # mmlight's loader looks through wrappers at every level
    from mmlight.runner.checkpoint import load_state_dict

    load_state_dict(wrapped, changed, strict=True)
    assert torch.equal(model.disc.module.bias, changed["disc.bias"])


def test_steps_are_the_models_and_no_sync_covers_every_submodule(group: None) -> None:
    model = _two_part_model(BaseModel)
    wrapped = MMSeparateDistributedDataParallel(model)
    batch = _data()[0]
    assert torch.equal(wrapped.val_step(batch)[0], model.val_step(batch)[0])
    assert torch.equal(wrapped.test_step(batch)[0], model.test_step(batch)[0])
    with wrapped.no_sync():
        assert not model.gen.require_backward_grad_sync
        assert not model.disc.require_backward_grad_sync
    assert model.gen.require_backward_grad_sync and model.disc.require_backward_grad_sync
    assert wrapped.train(False) is wrapped
    assert not wrapped.training and not model.training and not model.gen.module.training
    wrapped.train()
    assert model.disc.module.training


def test_separate_train_step_matches_mmengine(group: None) -> None:
    mm_model = pytest.importorskip("mmengine.model")
    mm_optim = pytest.importorskip("mmengine.optim")

    theirs = _two_part_model(mm_model.BaseModel)
    ours = _two_part_model(BaseModel)
    their_wrapper = mm_model.MMSeparateDistributedDataParallel(theirs)
    our_wrapper = MMSeparateDistributedDataParallel(ours)
    their_optim = _optim(theirs, mm_optim.OptimWrapper, mm_optim.OptimWrapperDict)
    our_optim = _optim(ours, OptimWrapper, OptimWrapperDict)
    for batch in _data():
        their_log = their_wrapper.train_step(dict(batch), their_optim)
        our_log = our_wrapper.train_step(dict(batch), our_optim)
        assert their_log.keys() == our_log.keys()
        for key in their_log:
            assert torch.equal(their_log[key], our_log[key])
    # mmengine's Runner saves `gen.module.*`; the weights themselves are equal
    ours_state = ours.state_dict()
    for key, value in theirs.state_dict().items():
        assert torch.equal(value, ours_state[key.replace(".module.", ".")])


def test_ddp_wrapper_train_step_matches_mmengine(group: None) -> None:
    mm_model = pytest.importorskip("mmengine.model")
    mm_optim = pytest.importorskip("mmengine.optim")

    class Line(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            out = self.linear(inputs)
            return dict(loss=out.pow(2).mean()) if mode == "loss" else [out]

    class TheirLine(mm_model.BaseModel):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 1)

        forward = Line.forward

    ours, theirs = Line(), TheirLine()
    theirs.load_state_dict(ours.state_dict())
    our_ddp = MMDistributedDataParallel(ours, broadcast_buffers=False)
    their_ddp = mm_model.MMDistributedDataParallel(theirs, broadcast_buffers=False)
    our_optim = OptimWrapper(torch.optim.SGD(ours.parameters(), lr=0.1))
    their_optim = mm_optim.OptimWrapper(torch.optim.SGD(theirs.parameters(), lr=0.1))
    for batch in _data():
        assert torch.equal(
            our_ddp.train_step(dict(batch), our_optim)["loss"],
            their_ddp.train_step(dict(batch), their_optim)["loss"],
        )
    assert torch.equal(ours.linear.weight, theirs.linear.weight)
    batch = _data()[0]
    assert torch.equal(our_ddp.val_step(batch)[0], their_ddp.val_step(batch)[0])
    assert torch.equal(our_ddp.test_step(batch)[0], their_ddp.test_step(batch)[0])


def test_ddp_wrapper_reports_anomalous_params_and_bad_preprocessor_output(
    group: None, mm_log: Any
) -> None:
    class Unused(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(3, 1)
            self.unused = nn.Linear(3, 1)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            return dict(loss=self.used(inputs).mean())

    model = Unused()
    ddp = MMDistributedDataParallel(model, detect_anomalous_params=True,
                                    find_unused_parameters=True)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    ddp.train_step(dict(inputs=torch.ones(2, 3)), optim)
    assert "unused.weight" in mm_log.text
    with pytest.raises(TypeError, match="should be list, tuple or dict, but got int"):
        ddp._run_forward(3, mode="loss")
