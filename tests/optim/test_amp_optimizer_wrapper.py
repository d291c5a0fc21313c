"""AmpOptimWrapper: bf16 on CPU (beyond mmengine), GradScaler semantics on CUDA, the stepper seam.

CPU tests run where CUDA is absent (with CUDA the wrapper takes its GPU path); GPU tests skip
cleanly without CUDA.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from mmlight.logging import MessageHub
from mmlight.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from mmlight.registry import OPTIM_WRAPPERS

HAS_CUDA = torch.cuda.is_available()
cpu_only = pytest.mark.skipif(HAS_CUDA, reason="with CUDA the wrapper takes its GPU path")
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")


def make_model(device: str = "cpu") -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)


def sgd(model: nn.Module, lr: float = 0.1) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=lr)


class Stepper:
    """A stepper that either takes over precision (Lightning's plugins) or does not."""

    def __init__(self, handles_precision: bool) -> None:
        self.handles_precision = handles_precision
        self.losses: list[torch.Tensor] = []

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        self.losses.append(loss.detach())
        loss.backward(**kwargs)

    def step(self, wrapper: OptimWrapper, **kwargs: Any) -> None:
        wrapper.clip_grads()
        wrapper.optimizer.step(**kwargs)


def test_registered() -> None:
    assert OPTIM_WRAPPERS.get("AmpOptimWrapper") is AmpOptimWrapper
    assert issubclass(AmpOptimWrapper, OptimWrapper)


@pytest.mark.parametrize(
    ("dtype", "match", "exc"),
    [
        ("half", r"dtype should be one of 'float16', 'bfloat16', 'float32', 'float64'", ValueError),
        (16, r"dtype should be None, a str or a torch.dtype, but got int", TypeError),
    ],
)
def test_bad_dtype(dtype: Any, match: str, exc: type[Exception]) -> None:
    with pytest.raises(exc, match=match):
        AmpOptimWrapper(optimizer=sgd(make_model()), dtype=dtype)


@pytest.mark.parametrize("loss_scale", ["static", [1.0], None, True])
def test_bad_loss_scale(loss_scale: Any) -> None:
    with pytest.raises(TypeError, match=r"loss_scale must be 'dynamic', a number .* or a dict"):
        AmpOptimWrapper(optimizer=sgd(make_model()), dtype="bfloat16", loss_scale=loss_scale)


# ---- CPU: bfloat16 autocast ----------------------------------------------------------------


@cpu_only
@pytest.mark.parametrize("dtype", [None, "bfloat16", torch.bfloat16])
def test_cpu_bf16_has_no_scaler(dtype: Any) -> None:
    wrapper = AmpOptimWrapper(optimizer=sgd(make_model()), dtype=dtype)
    assert wrapper.cast_dtype is torch.bfloat16
    assert wrapper.loss_scaler is None
    assert wrapper.loss_scale == "dynamic"


@cpu_only
@pytest.mark.parametrize("dtype", ["float16", torch.float16, "float32", "float64"])
def test_cpu_refuses_other_dtypes(dtype: Any) -> None:
    with pytest.raises(RuntimeError, match=r"needs a CUDA GPU.*use dtype='bfloat16'"):
        AmpOptimWrapper(optimizer=sgd(make_model()), dtype=dtype)


@cpu_only
def test_cpu_static_loss_scale_is_accepted_and_exposed() -> None:
    wrapper = AmpOptimWrapper(optimizer=sgd(make_model()), dtype="bfloat16", loss_scale=512)
    assert wrapper.loss_scale == 512 and wrapper._scale_update_param == 512.0
    assert wrapper.loss_scaler is None


@cpu_only
def test_cpu_optim_context_autocasts_to_bf16() -> None:
    model = make_model()
    wrapper = AmpOptimWrapper(optimizer=sgd(model), dtype="bfloat16")
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype is torch.bfloat16
    assert model(torch.randn(2, 4)).dtype is torch.float32


@cpu_only
def test_cpu_training_steps_and_clips(hub: MessageHub) -> None:
    model = make_model()
    wrapper = AmpOptimWrapper(optimizer=sgd(model), dtype="bfloat16", clip_grad={"max_norm": 0.1})
    before = [p.detach().clone() for p in model.parameters()]
    for _ in range(2):
        with wrapper.optim_context(model):
            loss = model(torch.randn(3, 4)).float().pow(2).mean()
        wrapper.update_params(loss)
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert len(hub.get_scalar("train/grad_norm").data[0]) == 2
    assert all(p.dtype is torch.float32 for p in model.parameters())


@cpu_only
def test_cpu_state_dict_has_no_loss_scaler_and_ignores_one() -> None:
    model = make_model()
    wrapper = AmpOptimWrapper(optimizer=sgd(model), dtype="bfloat16")
    state = wrapper.state_dict()
    assert "loss_scaler" not in state
    state_from_fp16_run = {**state, "loss_scaler": {"scale": 1024.0}}
    wrapper.load_state_dict(state_from_fp16_run)
    assert "loss_scaler" in state_from_fp16_run  # not consumed


@cpu_only
def test_cpu_stepper_handling_precision_keeps_autocast_scope() -> None:
    # The wrapper autocasts the forward itself (MMEngine's scope) even when a precision
    # plugin does the scaling; Lightning's plugin does not autocast for it.
    model = make_model()
    wrapper = AmpOptimWrapper(optimizer=sgd(model), dtype="bfloat16")
    stepper = Stepper(handles_precision=True)
    wrapper.bind_stepper(stepper)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype is torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert len(stepper.losses) == 1 and wrapper.inner_count == 1


@cpu_only
def test_cpu_stepper_not_handling_precision_keeps_autocast() -> None:
    model = make_model()
    wrapper = AmpOptimWrapper(optimizer=sgd(model), dtype="bfloat16")
    stepper = Stepper(handles_precision=False)
    wrapper.bind_stepper(stepper)  # fine: no GradScaler to honour
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype is torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert len(stepper.losses) == 1


@cpu_only
def test_cpu_built_from_config() -> None:
    model = make_model()
    wrapper = build_optim_wrapper(
        model,
        dict(type="AmpOptimWrapper", dtype="bfloat16", optimizer=dict(type="SGD", lr=0.1)),
    )
    assert isinstance(wrapper, AmpOptimWrapper) and wrapper.cast_dtype is torch.bfloat16


# ---- CUDA: GradScaler -----------------------------------------------------------------------


@needs_cuda
def test_cuda_defaults_use_a_grad_scaler_and_fp16_autocast() -> None:
    model = make_model("cuda")
    wrapper = AmpOptimWrapper(optimizer=sgd(model))
    assert isinstance(wrapper.loss_scaler, torch.amp.GradScaler)
    assert wrapper.cast_dtype is None
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4, device="cuda"))
    assert out.dtype is torch.float16


@needs_cuda
def test_cuda_backward_scales_and_step_unscales_before_clipping(hub: MessageHub) -> None:
    model, reference = make_model("cuda"), make_model("cuda")
    wrapper = AmpOptimWrapper(
        optimizer=sgd(model), loss_scale=1024.0, dtype="float32", clip_grad={"max_norm": 1e3}
    )
    x = torch.randn(3, 4, device="cuda")
    with wrapper.optim_context(model):
        loss = model(x).pow(2).mean()
    wrapper.backward(loss)
    reference(x).pow(2).mean().backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(p.grad, q.grad * 1024.0)
    wrapper.step()
    norm = hub.get_scalar("train/grad_norm").current()
    expected = torch.stack([q.grad.norm() for q in reference.parameters()]).norm()
    assert norm == pytest.approx(float(expected), rel=1e-4)
    assert wrapper.loss_scaler.get_scale() == 1024.0  # static scale is restored


@needs_cuda
def test_cuda_dict_loss_scale_and_state_round_trip() -> None:
    model = make_model("cuda")
    wrapper = AmpOptimWrapper(optimizer=sgd(model), loss_scale={"init_scale": 256.0})
    assert wrapper.loss_scaler.get_scale() == 256.0
    state = wrapper.state_dict()
    assert state["loss_scaler"]["scale"] == 256.0
    other = AmpOptimWrapper(optimizer=sgd(make_model("cuda")))
    other.load_state_dict(state)
    assert other.loss_scaler.get_scale() == 256.0


@needs_cuda
def test_cuda_stepper_must_handle_precision_with_a_scaler() -> None:
    model = make_model("cuda")
    wrapper = AmpOptimWrapper(optimizer=sgd(model))
    with pytest.raises(RuntimeError, match=r"stepper Stepper must handle precision"):
        wrapper.bind_stepper(Stepper(handles_precision=False))
    stepper = Stepper(handles_precision=True)
    wrapper.bind_stepper(stepper)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4, device="cuda"))
    assert out.dtype is torch.float32  # the stepper's precision plugin autocasts instead
    loss = out.pow(2).mean()
    wrapper.update_params(loss)
    assert torch.equal(stepper.losses[0], loss.detach())  # not scaled by the wrapper


@needs_cuda
def test_cuda_bf16_has_no_scaler() -> None:
    if not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    wrapper = AmpOptimWrapper(optimizer=sgd(make_model("cuda")), dtype="bfloat16")
    assert wrapper.loss_scaler is None and "loss_scaler" not in wrapper.state_dict()


@needs_cuda
def test_cuda_fsdp_uses_sharded_grad_scaler() -> None:
    from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

    wrapper = AmpOptimWrapper(optimizer=sgd(make_model("cuda")), use_fsdp=True)
    assert isinstance(wrapper.loss_scaler, ShardedGradScaler)
