"""mmlight.device: accelerator probes (mmengine's test_device as spec), fake vendor plugins,
and parity with mmengine.device on this machine."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")

import mmlight.device as D  # noqa: E402
from mmlight.device import utils as DU  # noqa: E402

_CACHED = (
    DU.is_npu_available,
    DU.is_mlu_available,
    DU.is_dipu_available,
    DU.is_musa_available,
    DU.get_device,
)


@pytest.fixture
def fresh_probes() -> Iterator[None]:
    """Forget the cached answers before and after, so fakes do not leak."""
    for probe in _CACHED:
        probe.cache_clear()
    yield
    for probe in _CACHED:
        probe.cache_clear()


def test_get_device() -> None:
    device = D.get_device()
    if D.is_npu_available():
        assert device == "npu"
    elif D.is_cuda_available():
        assert device == "cuda"
    elif D.is_mlu_available():
        assert device == "mlu"
    elif D.is_mps_available():
        assert device == "mps"
    elif D.is_dipu_available():
        assert device == "dipu"
    elif D.is_musa_available():
        assert device == "musa"
    else:
        assert device == "cpu"


def test_answers_on_this_machine() -> None:
    assert D.is_cuda_available() == torch.cuda.is_available()
    assert D.is_mps_available() == torch.backends.mps.is_available()
    assert not D.is_npu_support_full_precision() or D.is_npu_available()


@pytest.mark.usefixtures("fresh_probes")
def test_fake_musa_and_dipu_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DU, "is_cuda_available", lambda: False)
    monkeypatch.setattr(DU, "is_mps_available", lambda: False)
    monkeypatch.setitem(sys.modules, "torch_npu", None)
    monkeypatch.setitem(sys.modules, "torch_mlu", None)
    monkeypatch.setitem(sys.modules, "torch_dipu", None)
    monkeypatch.setitem(sys.modules, "torch_musa", types.ModuleType("torch_musa"))
    assert DU.is_musa_available() and not DU.is_dipu_available()
    assert DU.get_device() == "musa"
    DU.get_device.cache_clear()
    DU.is_dipu_available.cache_clear()
    monkeypatch.setitem(sys.modules, "torch_dipu", types.ModuleType("torch_dipu"))
    assert DU.get_device() == "dipu"  # dipu comes before musa


@pytest.mark.usefixtures("fresh_probes")
def test_fake_npu_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[bool] = []
    npu = types.SimpleNamespace(
        is_available=lambda: True, set_compile_mode=lambda jit_compile: modes.append(jit_compile)
    )
    monkeypatch.setattr(torch, "npu", npu, raising=False)
    plugin = types.ModuleType("torch_npu")
    npu_pkg = types.ModuleType("torch_npu.npu")
    npu_utils = types.ModuleType("torch_npu.npu.utils")
    npu_utils.get_soc_version = lambda: 223  # type: ignore[attr-defined]
    plugin.npu = npu_pkg  # type: ignore[attr-defined]
    npu_pkg.utils = npu_utils  # type: ignore[attr-defined]
    for name, module in [
        ("torch_npu", plugin),
        ("torch_npu.npu", npu_pkg),
        ("torch_npu.npu.utils", npu_utils),
    ]:
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv("NPUJITCompile", "1")
    assert DU.is_npu_available()
    assert modes == [True]
    assert DU.get_device() == "npu"  # first in mmengine's order
    assert DU.is_npu_support_full_precision()
    npu_utils.get_soc_version = lambda: 200  # type: ignore[attr-defined]
    assert not DU.is_npu_support_full_precision()


@pytest.mark.usefixtures("fresh_probes")
def test_broken_plugin_means_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = types.ModuleType("torch_mlu")  # imports, but torch.mlu is missing
    monkeypatch.setitem(sys.modules, "torch_mlu", broken)
    monkeypatch.delattr(torch, "mlu", raising=False)
    assert DU.is_mlu_available() is False


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_get_max_cuda_memory() -> None:
    torch.cuda.reset_peak_memory_stats()
    block = torch.empty(8 * 1024 * 1024, dtype=torch.uint8, device="cuda")
    assert D.get_max_cuda_memory() >= 8
    del block
    torch.cuda.empty_cache()
    assert D.get_max_cuda_memory(torch.device("cuda", 0)) < 8  # the peak was reset


def test_parity_with_mmengine() -> None:
    pytest.importorskip("mmengine")
    import mmengine.device as theirs

    assert set(theirs.__all__) <= set(D.__all__)
    for name in [
        "get_device",
        "is_cuda_available",
        "is_mps_available",
        "is_npu_available",
        "is_mlu_available",
        "is_dipu_available",
        "is_musa_available",
        "is_npu_support_full_precision",
    ]:
        assert getattr(D, name)() == getattr(theirs, name)(), name


def test_module_constants_like_mmengine() -> None:
    assert D.get_device() == DU.DEVICE
    assert DU.IS_NPU_AVAILABLE is D.is_npu_available()
    assert DU.IS_MUSA_AVAILABLE is D.is_musa_available()
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        DU.NOPE  # noqa: B018
    pytest.importorskip("mmengine")
    import mmengine.device.utils as theirs

    for name in ["DEVICE", "IS_NPU_AVAILABLE", "IS_MLU_AVAILABLE", "IS_DIPU_AVAILABLE"]:
        assert getattr(DU, name) == getattr(theirs, name), name
