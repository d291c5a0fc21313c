"""OptimWrapperDict: a container of named wrappers with mmengine's semantics."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlight.optim import OptimWrapper, OptimWrapperDict


@pytest.fixture
def wrappers() -> OptimWrapperDict:
    torch.manual_seed(0)
    gen, disc = nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(gen.parameters(), lr=0.1, momentum=0.9)),
        discriminator=OptimWrapper(
            torch.optim.Adam(
                [{"params": disc[0].parameters()}, {"params": disc[1].parameters(), "lr": 0.02}],
                lr=0.01,
                betas=(0.5, 0.999),
            )
        ),
    )


def test_only_optim_wrappers_accepted() -> None:
    optim = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"only accepts OptimWrapper instances, but got gen=SGD"):
        OptimWrapperDict(gen=optim)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=r"`OptimWrapperDict` only accept OptimWrapper"):
        OptimWrapperDict(gen=optim)  # type: ignore[arg-type]


def test_mapping_protocol(wrappers: OptimWrapperDict) -> None:
    assert isinstance(wrappers, OptimWrapper)
    assert list(wrappers.keys()) == ["generator", "discriminator"]
    assert len(wrappers) == 2 and "generator" in wrappers and "critic" not in wrappers
    assert list(wrappers.values()) == [wrappers["generator"], wrappers["discriminator"]]
    assert [name for name, _ in wrappers.items()] == ["generator", "discriminator"]
    assert "name: generator" in repr(wrappers) and "name: discriminator" in repr(wrappers)


def test_missing_key_names_the_choices(wrappers: OptimWrapperDict) -> None:
    with pytest.raises(KeyError, match=r"'generatr'.*did you mean 'generator'\?") as info:
        wrappers["generatr"]
    assert str(info.value).startswith("asked for 'generatr'")  # not repr-quoted


@pytest.mark.parametrize("method", ["update_params", "backward"])
def test_ambiguous_methods_raise(wrappers: OptimWrapperDict, method: str) -> None:
    with pytest.raises(
        NotImplementedError,
        match=rf"`{method}` should be called by each optimizer separately: "
        rf"OptimWrapperDict.{method} is ambiguous",
    ):
        getattr(wrappers, method)(torch.tensor(1.0))


def test_step_optim_context_and_stepper_raise(wrappers: OptimWrapperDict) -> None:
    with pytest.raises(NotImplementedError, match=r"call it on the wrapper of one optimizer"):
        wrappers.step()
    with pytest.raises(NotImplementedError, match=r"optim_context is ambiguous"):
        wrappers.optim_context(nn.Linear(1, 1))
    with pytest.raises(NotImplementedError, match=r"bind_stepper is ambiguous"):
        wrappers.bind_stepper(None)


def test_zero_grad_all_and_initialize_is_noop(wrappers: OptimWrapperDict) -> None:
    for wrapper in wrappers.values():
        for group in wrapper.optimizer.param_groups:
            for p in group["params"]:
                p.grad = torch.ones_like(p)
    wrappers.zero_grad()
    assert all(
        p.grad is None
        for w in wrappers.values()
        for g in w.optimizer.param_groups
        for p in g["params"]
    )
    wrappers.initialize_count_status(nn.Linear(1, 1), 3, 10)
    assert all(w.inner_count == 0 for w in wrappers.values())


def test_lr_momentum_and_param_groups(wrappers: OptimWrapperDict) -> None:
    assert wrappers.get_lr() == {
        "generator.lr": [0.1],
        "discriminator.base_lr": [0.01],
        "discriminator.lr": [0.01, 0.02],
    }
    assert wrappers.get_momentum() == {
        "generator.momentum": [0.9],
        "discriminator.momentum": [0.5, 0.5],
    }
    groups = wrappers.param_groups
    assert set(groups) == {"generator", "discriminator"}
    assert len(groups["discriminator"]) == 3  # two groups + base_param_settings


def test_state_dict_round_trip(wrappers: OptimWrapperDict) -> None:
    wrappers["generator"].optimizer.param_groups[0]["lr"] = 0.5
    state = wrappers.state_dict()
    assert set(state) == {"generator", "discriminator"}
    assert "base_param_settings" in state["discriminator"]

    torch.manual_seed(0)
    gen = nn.Linear(2, 2)
    fresh = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(gen.parameters(), lr=0.1, momentum=0.9))
    )
    fresh.load_state_dict({"generator": state["generator"]})
    assert fresh.get_lr() == {"generator.lr": [0.5]}
    with pytest.raises(KeyError, match=r"the state dict to load has 'discriminator'"):
        fresh.load_state_dict(state)
