"""mmlight.runner.amp.autocast: mmengine's defaults and errors, and parity with mmengine's."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import torch

from mmlight.runner import autocast
from mmlight.runner.amp import AutocastDeviceError, default_device_type

CUDA = torch.cuda.is_available()


def _state(device: str) -> tuple[bool, torch.dtype, bool]:
    return (torch.is_autocast_enabled(device), torch.get_autocast_dtype(device),
            torch.is_autocast_cache_enabled())


def test_cpu_defaults_to_bfloat16() -> None:
    with autocast(device_type="cpu"):
        assert _state("cpu") == (True, torch.bfloat16, True)
        assert torch.mm(torch.ones(2, 2), torch.ones(2, 2)).dtype == torch.bfloat16
    assert not torch.is_autocast_enabled("cpu")
    with autocast(device_type="cpu", enabled=False, cache_enabled=False):
        assert _state("cpu")[0] is False and _state("cpu")[2] is False
        assert torch.mm(torch.ones(2, 2), torch.ones(2, 2)).dtype == torch.float32


def test_cpu_refuses_other_dtypes_even_disabled() -> None:
    for enabled in (True, False):
        with pytest.raises(AssertionError,
                           match=r"In CPU autocast, only support `torch\.bfloat16` dtype"), \
                autocast(device_type="cpu", dtype=torch.float16, enabled=enabled):
            pass


def test_devices_without_autocast() -> None:
    with pytest.raises(AutocastDeviceError,
                       match="User specified autocast device_type must be cuda or cpu, but got "
                             "mps"), autocast(device_type="mps"):
        pass
    with pytest.raises(ValueError, match="but got xpu2"), autocast(device_type="xpu2"):
        pass
    ran = []
    with autocast(device_type="mps", enabled=False):
        ran.append(True)
    assert ran == [True]


def test_the_default_device_is_the_training_device() -> None:
    expected = "cuda" if CUDA else "cpu"
    assert default_device_type() == expected
    with autocast():
        assert torch.is_autocast_enabled(expected)


@pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
def test_cuda_defaults_to_float16_and_checks_bfloat16(monkeypatch: pytest.MonkeyPatch) -> None:
    with autocast(device_type="cuda"):
        assert _state("cuda")[:2] == (True, torch.float16)
        a = torch.ones(2, 2, device="cuda")
        assert torch.mm(a, a).dtype == torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    refused = r"Current CUDA Device does not support bfloat16\. Please switch dtype to float16\."
    with pytest.raises(RuntimeError, match=refused), \
            autocast(device_type="cuda", dtype=torch.bfloat16):
        pass


# ----------------------------------------------------------------------------- parity
def _outcome(factory: Callable[..., AbstractContextManager[Any]], **kwargs: Any) -> Any:
    """What happens inside ``factory(**kwargs)``: the autocast state, or the error."""
    try:
        with factory(**kwargs):
            return ("ok", *(_state(d) for d in ("cpu", "cuda")))
    except Exception as error:  # compared, not swallowed
        return (type(error).__bases__[0] if type(error).__module__.startswith("mmlight")
                else type(error), str(error).split(" (got")[0])


@pytest.mark.parametrize("kwargs", [
    {}, {"device_type": "cpu"}, {"device_type": "cpu", "enabled": False},
    {"device_type": "cpu", "cache_enabled": False}, {"device_type": "cpu", "dtype": torch.bfloat16},
    {"device_type": "cpu", "dtype": torch.float16},
    {"device_type": "cpu", "dtype": torch.float16, "enabled": False},
    {"device_type": "mps"}, {"device_type": "mps", "enabled": False},
    *([{"device_type": "cuda"}, {"device_type": "cuda", "dtype": torch.bfloat16},
       {"device_type": "cuda", "enabled": False}] if CUDA else []),
])
def test_parity_with_mmengine(kwargs: dict[str, Any]) -> None:
    amp = pytest.importorskip("mmengine.runner.amp")
    assert _outcome(autocast, **kwargs) == _outcome(amp.autocast, **kwargs)


def test_default_device_is_read_through_a_patchable_get_device(monkeypatch: Any) -> None:
    from mmlight.runner import amp

    monkeypatch.setattr(amp, "get_device", lambda: "mps")
    with amp.autocast(enabled=False):
        pass
    with (
        pytest.raises(ValueError, match="User specified autocast device_type must be cuda or cpu"),
        amp.autocast(enabled=True),
    ):
        pass
