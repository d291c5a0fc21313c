"""OptimWrapper: accumulation, clipping, state, the mmengine look-alike API and the stepper seam."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.logging import MessageHub
from mmlight.optim import OptimStepper, OptimWrapper
from mmlight.registry import OPTIM_WRAPPERS


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))


def total_norm(tensors: Any) -> torch.Tensor:
    return torch.stack([t.detach().norm() for t in tensors]).norm()


def batches(n: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(7)
    return [torch.randn(2, 3, generator=gen) for _ in range(n)]


class SyncRecorder(nn.Module):
    """A module with DDP's ``no_sync`` context; records whether each forward skipped sync."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 1)
        self.syncing = True
        self.seen: list[bool] = []

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        self.syncing = False
        try:
            yield
        finally:
            self.syncing = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(self.syncing)
        return self.lin(x)


class ScalingStepper:
    """A real stepper like Lightning's precision path: scales the loss on backward, unscales the
    gradients before clipping, then steps. Records the order of events."""

    handles_precision = True

    def __init__(self, scale: float = 1024.0) -> None:
        self.scale = scale
        self.events: list[str] = []
        self.step_kwargs: list[dict[str, Any]] = []

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        self.events.append("backward")
        (loss * self.scale).backward(**kwargs)

    def step(self, wrapper: OptimWrapper, **kwargs: Any) -> None:
        self.events.append("step")
        self.step_kwargs.append(kwargs)
        for group in wrapper.optimizer.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.grad.div_(self.scale)
        wrapper.clip_grads()
        wrapper.optimizer.step(**kwargs)


# ---- construction and errors ----------------------------------------------------------------


def test_registered_and_defaults() -> None:
    assert OPTIM_WRAPPERS.get("OptimWrapper") is OptimWrapper
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    assert wrapper._accumulative_counts == 1
    assert wrapper.clip_grad_kwargs is None
    assert wrapper.inner_count == 0
    assert wrapper.base_param_settings is None
    assert wrapper.stepper is None
    assert wrapper.defaults is wrapper.optimizer.defaults
    assert "Type: OptimWrapper" in repr(wrapper) and "_accumulative_counts: 1" in repr(wrapper)


@pytest.mark.parametrize("bad", [0, -1, "2", True])
def test_accumulative_counts_must_be_positive(bad: Any) -> None:
    optim = torch.optim.SGD(make_model().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"accumulative_counts must be an integer >= 1"):
        OptimWrapper(optim, accumulative_counts=bad)
    with pytest.raises(AssertionError):  # mmengine asserts here
        OptimWrapper(optim, accumulative_counts=bad)


def test_clip_grad_validation() -> None:
    optim = torch.optim.SGD(make_model().parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"If `clip_grad` is not None, it should be a `dict`: "
                       r"clip_grad must be None or a non-empty dict"):
        OptimWrapper(optim, clip_grad={})
    with pytest.raises(TypeError, match=r"clip_grad must be None or a non-empty dict"):
        OptimWrapper(optim, clip_grad=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r'clip_grad type should be "norm" or "value"'):
        OptimWrapper(optim, clip_grad={"type": "nrom", "max_norm": 1})
    with pytest.raises(ValueError, match=r"has no arguments besides 'type'; add clip_value"):
        OptimWrapper(optim, clip_grad={"type": "value"})
    with pytest.raises(TypeError, match=r"unknown key 'max_nrom' \(did you mean 'max_norm'\?\)"):
        OptimWrapper(optim, clip_grad={"max_nrom": 1})
    with pytest.raises(TypeError, match=r"accepts: clip_value, foreach"):
        OptimWrapper(optim, clip_grad={"type": "value", "max_norm": 1})


def test_clip_grad_config_is_not_modified() -> None:
    cfg = {"type": "value", "clip_value": 0.1}
    wrapper = OptimWrapper(torch.optim.SGD(make_model().parameters(), lr=0.1), clip_grad=cfg)
    assert cfg == {"type": "value", "clip_value": 0.1}
    assert wrapper.clip_grad_kwargs == {"clip_value": 0.1}
    assert wrapper.grad_name == "grad_value"


def test_bind_stepper_rejects_non_steppers() -> None:
    wrapper = OptimWrapper(torch.optim.SGD(make_model().parameters(), lr=0.1))
    with pytest.raises(TypeError, match=r"bind_stepper expects an OptimStepper.*got int"):
        wrapper.bind_stepper(3)  # type: ignore[arg-type]
    stepper = ScalingStepper()
    assert isinstance(stepper, OptimStepper)
    wrapper.bind_stepper(stepper)
    assert wrapper.stepper is stepper
    wrapper.bind_stepper(None)
    assert wrapper.stepper is None


# ---- accumulation ---------------------------------------------------------------------------


def test_update_params_steps_every_call_without_accumulation() -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = [p.detach().clone() for p in model.parameters()]
    wrapper.update_params(model(batches(1)[0]).sum())
    assert wrapper.inner_count == 1
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


def test_accumulation_equals_one_big_batch() -> None:
    data = batches(4)
    acc_model, ref_model = make_model(), make_model()
    wrapper = OptimWrapper(torch.optim.SGD(acc_model.parameters(), lr=0.1), accumulative_counts=4)
    for x in data:
        wrapper.update_params(acc_model(x).pow(2).mean())
    ref_optim = torch.optim.SGD(ref_model.parameters(), lr=0.1)
    ref_model(torch.cat(data)).pow(2).mean().backward()
    ref_optim.step()
    for a, b in zip(acc_model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(a, b)


def test_should_update_sync_and_scale_loss_with_partial_last_group() -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=3)
    wrapper.initialize_count_status(model, 0, 7)  # groups of 3, 3, then 1
    assert wrapper._remainder_counts == 1
    factors, updates, syncs = [], [], []
    for _ in range(7):
        syncs.append(wrapper.should_sync())
        factors.append(float(1 / wrapper.scale_loss(torch.tensor(1.0))))
        wrapper.backward(torch.tensor(0.0, requires_grad=True))
        updates.append(wrapper.should_update())
    assert factors == [3, 3, 3, 3, 3, 3, 1]
    assert updates == [False, False, True, False, False, True, True]
    assert syncs == updates


def test_scale_loss_before_initialize_count_status_uses_accumulative_counts() -> None:
    wrapper = OptimWrapper(
        torch.optim.SGD(make_model().parameters(), lr=0.1), accumulative_counts=4
    )
    assert wrapper.scale_loss(torch.tensor(8.0)).item() == 2.0


def test_scale_loss_past_the_end_is_an_error() -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 4, 4)
    with pytest.raises(ValueError, match=r"iteration 4 lies beyond the last accumulation group"):
        wrapper.scale_loss(torch.tensor(1.0))


def test_optim_context_skips_sync_while_accumulating() -> None:
    model = SyncRecorder()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 5)
    for _ in range(5):
        with wrapper.optim_context(model):
            loss = model(torch.ones(1, 2)).sum()
        wrapper.update_params(loss)
    assert model.seen == [False, True, False, True, True]


def test_optim_context_without_no_sync_is_a_plain_context() -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
    with wrapper.optim_context(model):
        pass


def test_initialize_count_status_warnings(log_records: list[logging.LogRecord]) -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=4)
    wrapper.initialize_count_status(model, 6, 20)
    messages = [r.getMessage() for r in log_records if r.levelno == logging.WARNING]
    assert any("resumes at iteration 6, which is not a multiple of" in m for m in messages)
    assert any(m.startswith("Resumed iteration number is not divisible by") for m in messages)
    bn_warning = "Gradient accumulative may slightly decrease performance"
    assert any(m.startswith(bn_warning) for m in messages)
    assert wrapper.inner_count == 6 and wrapper._max_counts == 20


def test_no_warnings_for_a_clean_start(log_records: list[logging.LogRecord]) -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=4)
    wrapper.initialize_count_status(model, 8, 20)
    assert not [r for r in log_records if r.levelno >= logging.WARNING]


def test_step_and_zero_kwargs_are_forwarded() -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    calls: list[Any] = []
    closure = lambda: calls.append("closure")  # noqa: E731
    wrapper.update_params(
        model(batches(1)[0]).sum(),
        step_kwargs={"closure": closure},
        zero_kwargs={"set_to_none": False},
    )
    assert calls == ["closure"]
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())


# ---- clipping -------------------------------------------------------------------------------


def test_clip_grad_norm_records_norm(hub: MessageHub) -> None:
    model = make_model()
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.1), clip_grad={"max_norm": 0.01}
    )
    loss = model(batches(1)[0]).pow(2).sum()
    loss.backward()
    raw = total_norm([p.grad for p in model.parameters()])
    norm = wrapper.clip_grads()
    assert norm is not None
    torch.testing.assert_close(norm, raw)
    assert hub.get_scalar("train/grad_norm").current() == pytest.approx(float(raw))
    clipped = total_norm([p.grad for p in model.parameters()])
    assert float(clipped) == pytest.approx(0.01, rel=1e-4)


def test_clip_grad_value_records_nothing(hub: MessageHub) -> None:
    model = make_model()
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.1), clip_grad={"type": "value", "clip_value": 1e-3}
    )
    model(batches(1)[0]).pow(2).sum().backward()
    assert wrapper.clip_grads() is None
    assert all(p.grad.abs().max() <= 1e-3 for p in model.parameters())
    assert "train/grad_value" not in hub.log_scalars


def test_clip_grads_without_config_or_grads(hub: MessageHub) -> None:
    model = make_model()
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    assert plain.clip_grads() is None
    clipping = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), clip_grad={"max_norm": 1})
    assert clipping.clip_grads() is None  # no parameter has a gradient yet
    clipping._clip_grad()  # mmengine's private name still works
    assert "train/grad_norm" not in hub.log_scalars


def test_step_clips_before_optimizer_step(hub: MessageHub) -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0), clip_grad={"max_norm": 0.5})
    before = [p.detach().clone() for p in model.parameters()]
    wrapper.update_params(model(batches(1)[0]).pow(2).sum() * 100)
    delta = total_norm([a - b for a, b in zip(before, model.parameters())])
    assert float(delta) == pytest.approx(0.5, rel=1e-4)
    assert hub.get_scalar("train/grad_norm").current() > 0.5


def test_message_hub_is_the_current_hub_unless_assigned(hub: MessageHub) -> None:
    model = make_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), clip_grad={"max_norm": 1})
    assert wrapper.message_hub is hub
    pinned = MessageHub("optim_test_pinned_hub")
    wrapper.message_hub = pinned  # as a subclass written against mmengine may do
    model(batches(1)[0]).sum().backward()
    wrapper.clip_grads()
    assert "train/grad_norm" in pinned.log_scalars and "train/grad_norm" not in hub.log_scalars


# ---- stepper seam ---------------------------------------------------------------------------


def _train(wrapper: OptimWrapper, model: nn.Module, steps: int) -> None:
    for x in batches(steps):
        with wrapper.optim_context(model):
            loss = model(x).pow(2).mean()
        wrapper.update_params(loss, step_kwargs={})


def test_stepper_path_matches_plain_path_and_clips_unscaled(hub: MessageHub) -> None:
    plain_model, stepped_model = make_model(), make_model()
    clip = {"max_norm": 0.05}
    plain = OptimWrapper(
        torch.optim.SGD(plain_model.parameters(), lr=0.1), accumulative_counts=2, clip_grad=clip
    )
    plain.initialize_count_status(plain_model, 0, 5)
    _train(plain, plain_model, 5)
    plain_norms = list(hub.get_scalar("train/grad_norm").data[0])

    other_hub = MessageHub.get_instance("optim_test_stepper_hub")
    stepper = ScalingStepper(scale=1024.0)
    stepped = OptimWrapper(
        torch.optim.SGD(stepped_model.parameters(), lr=0.1), accumulative_counts=2, clip_grad=clip
    )
    stepped.bind_stepper(stepper)
    stepped.initialize_count_status(stepped_model, 0, 5)
    _train(stepped, stepped_model, 5)

    assert stepper.events == ["backward", "backward", "step"] * 2 + ["backward", "step"]
    assert stepped.inner_count == plain.inner_count == 5  # the wrapper still counts
    for a, b in zip(stepped_model.parameters(), plain_model.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    # norms recorded by clip_grads are the unscaled ones, not 1024x larger
    stepped_norms = list(other_hub.get_scalar("train/grad_norm").data[0])
    assert stepped_norms == pytest.approx(plain_norms, rel=1e-5)


def test_stepper_receives_step_kwargs_and_backward_kwargs() -> None:
    model = make_model()
    stepper = ScalingStepper(scale=1.0)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    wrapper.bind_stepper(stepper)
    loss = model(batches(1)[0]).sum()
    wrapper.backward(loss, retain_graph=True)
    wrapper.backward(loss)  # would fail without retain_graph reaching loss.backward
    wrapper.step(closure=None)
    assert stepper.step_kwargs == [{"closure": None}]
    assert wrapper.inner_count == 2


def test_unbinding_restores_plain_path() -> None:
    model = make_model()
    stepper = ScalingStepper()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    wrapper.bind_stepper(stepper)
    wrapper.bind_stepper(None)
    wrapper.update_params(model(batches(1)[0]).sum())
    assert stepper.events == []


# ---- state and optimizer look-alike ---------------------------------------------------------


def _two_group_sgd(model: nn.Module) -> torch.optim.SGD:
    return torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.01}],
        lr=0.1,
        momentum=0.9,
    )


def test_base_param_settings_pseudo_group() -> None:
    model = make_model()
    wrapper = OptimWrapper(_two_group_sgd(model))
    assert wrapper.base_param_settings is not None
    assert torch.equal(wrapper.base_param_settings["params"], torch.tensor([0.0]))
    assert (
        len(wrapper.param_groups) == 3 and wrapper.param_groups[-1] is wrapper.base_param_settings
    )
    assert wrapper.get_lr() == {"base_lr": [0.1], "lr": [0.1, 0.01]}
    assert wrapper.get_momentum() == {"momentum": [0.9, 0.9]}


def test_get_momentum_for_betas_and_none() -> None:
    model = make_model()
    adam = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.1, betas=(0.8, 0.9)))
    assert adam.get_momentum() == {"momentum": [0.8]}
    adagrad = OptimWrapper(torch.optim.Adagrad(model.parameters(), lr=0.1))
    assert adagrad.get_momentum() == {"momentum": [0]}
    assert adagrad.get_lr() == {"lr": [0.1]}


def test_state_dict_round_trip() -> None:
    model = make_model()
    wrapper = OptimWrapper(_two_group_sgd(model))
    _train(wrapper, model, 2)
    wrapper.base_param_settings["lr"] = 0.05  # type: ignore[index]
    state = wrapper.state_dict()
    assert set(state) == {"state", "param_groups", "base_param_settings"}

    fresh_model = make_model()
    fresh = OptimWrapper(_two_group_sgd(fresh_model))
    snapshot = dict(state)
    fresh.load_state_dict(state)
    assert state == snapshot  # the argument is left intact
    assert fresh.base_param_settings["lr"] == 0.05  # type: ignore[index]
    assert (
        fresh.optimizer.state_dict()["param_groups"]
        == wrapper.optimizer.state_dict()["param_groups"]
    )
    for key, value in wrapper.optimizer.state_dict()["state"].items():
        assert torch.equal(fresh.optimizer.state_dict()["state"][key]["momentum_buffer"],
                           value["momentum_buffer"])  # fmt: skip


def test_single_group_state_dict_has_no_base_settings() -> None:
    wrapper = OptimWrapper(torch.optim.SGD(make_model().parameters(), lr=0.1))
    assert set(wrapper.state_dict()) == {"state", "param_groups"}
