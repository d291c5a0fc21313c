"""mmlight.utils.dl_utils: torch helpers, mmengine's tests/test_utils/test_dl_utils as spec,
and parity with mmengine.utils.dl_utils."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from mmlight.utils import dl_utils  # noqa: E402
from mmlight.utils.dl_utils import (  # noqa: E402
    TORCH_VERSION,
    has_batch_norm,
    is_jit_tracing,
    is_norm,
    load_url,
    mmcv_full_available,
    tensor2imgs,
    torch_meshgrid,
)
from mmlight.utils.dl_utils import parrots_wrapper as PW  # noqa: E402


def _theirs(module: str) -> Any:
    pytest.importorskip("mmengine")
    import importlib

    return importlib.import_module(f"mmengine.utils.dl_utils.{module}")


def test_dl_utils_loads_only_when_named() -> None:
    code = (
        "import sys, mmlight.utils as u\n"
        "before = 'torch' in sys.modules\n"
        "u.dl_utils.TORCH_VERSION\n"
        "print(before, 'torch' in sys.modules, 'mmlight.utils.dl_utils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]


def test_all_names_of_mmengine_are_here() -> None:
    theirs = _theirs("misc").__package__
    import importlib

    assert set(importlib.import_module(theirs).__all__) <= set(dl_utils.__all__)


# ---------------------------------------------------------------- parrots_wrapper
def test_parrots_wrapper_names_are_torch_classes() -> None:
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.instancenorm import _InstanceNorm

    assert torch.__version__ == TORCH_VERSION
    assert PW._BatchNorm is _BatchNorm and PW._InstanceNorm is _InstanceNorm
    assert issubclass(PW.SyncBatchNorm, torch.nn.SyncBatchNorm)
    assert not isinstance(torch.nn.SyncBatchNorm(2), PW.SyncBatchNorm)
    assert PW.PoolDataLoader is PW.DataLoader is torch.utils.data.DataLoader
    assert issubclass(nn.Conv2d, PW._ConvNd)
    assert PW._ConvTransposeMixin is torch.nn.modules.conv._ConvTransposeMixin
    assert issubclass(nn.AdaptiveAvgPool2d, PW._AdaptiveAvgPoolNd)
    assert issubclass(nn.AdaptiveMaxPool1d, PW._AdaptiveMaxPoolNd)
    assert issubclass(nn.AvgPool3d, PW._AvgPoolNd) and issubclass(nn.MaxPool2d, PW._MaxPoolNd)
    assert PW.get_build_config() == torch.__config__.show()
    assert isinstance(PW.is_rocm_pytorch(), bool)
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        PW.NOPE  # noqa: B018


def test_parity_parrots_wrapper() -> None:
    theirs = _theirs("parrots_wrapper")
    for name in [
        "TORCH_VERSION",
        "_BatchNorm",
        "_InstanceNorm",
        "_ConvNd",
        "_ConvTransposeMixin",
        "_AdaptiveAvgPoolNd",
        "_AdaptiveMaxPoolNd",
        "_AvgPoolNd",
        "_MaxPoolNd",
        "DataLoader",
        "PoolDataLoader",
        "SyncBatchNorm_",
    ]:
        assert getattr(PW, name) is getattr(theirs, name), name
    assert PW.is_rocm_pytorch() == theirs.is_rocm_pytorch()
    assert PW.CUDA_HOME == theirs._get_cuda_home() == PW._get_cuda_home()
    assert PW.get_build_config() == theirs.get_build_config()
    assert PW._get_extension() == theirs._get_extension()
    # mmcv registers the class itself under 'SyncBN': a subclass of torch's, as there
    assert PW.SyncBatchNorm.__mro__[1] is theirs.SyncBatchNorm.__mro__[1]


# ---------------------------------------------------------------- misc
_LAYERS: list[Callable[[], Any]] = [
    lambda: nn.BatchNorm1d(2),
    lambda: nn.BatchNorm2d(2),
    lambda: nn.SyncBatchNorm(2),
    lambda: PW.SyncBatchNorm(2),
    lambda: nn.InstanceNorm2d(2),
    lambda: nn.GroupNorm(1, 2),
    lambda: nn.LayerNorm(2),
    lambda: nn.Conv2d(1, 1, 1),
    lambda: nn.Linear(1, 1),
    lambda: nn.Sequential(nn.BatchNorm2d(2)),
]
_EXCLUDES: list[Any] = [
    None,
    nn.BatchNorm2d,
    (nn.GroupNorm, nn.LayerNorm),
    (),
    "bn",
    (nn.BatchNorm2d, 1),
]


def test_is_norm() -> None:
    assert is_norm(nn.BatchNorm2d(2)) and is_norm(nn.GroupNorm(1, 2))
    assert not is_norm(nn.Conv2d(1, 1, 1))
    assert not is_norm(nn.BatchNorm2d(2), exclude=nn.BatchNorm2d)
    assert is_norm(nn.BatchNorm1d(2), exclude=(nn.BatchNorm2d,))
    with pytest.raises(
        TypeError, match='"exclude" must be either None or type or a tuple of types'
    ):
        is_norm(nn.BatchNorm2d(2), exclude="bn")  # type: ignore[arg-type]


@pytest.mark.parametrize("make", _LAYERS)
@pytest.mark.parametrize("exclude", _EXCLUDES)
def test_parity_is_norm(
    make: Callable[[], Any], exclude: Any, assert_same: Callable[..., None]
) -> None:
    theirs = _theirs("misc")
    layer = make()
    assert_same(is_norm, theirs.is_norm, layer, exclude)


def test_has_batch_norm() -> None:
    assert has_batch_norm(nn.BatchNorm2d(2))
    assert has_batch_norm(nn.Sequential(nn.Conv2d(1, 1, 1), nn.Sequential(nn.SyncBatchNorm(1))))
    assert not has_batch_norm(nn.Sequential(nn.Conv2d(1, 1, 1), nn.GroupNorm(1, 1)))


@pytest.mark.parametrize("make", _LAYERS)
def test_parity_has_batch_norm(make: Callable[[], Any]) -> None:
    theirs = _theirs("misc")
    model = nn.Sequential(nn.Linear(1, 1), nn.Sequential(make()))
    assert has_batch_norm(model) == theirs.has_batch_norm(model)


def test_tensor2imgs() -> None:
    batch = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).view(2, 3, 2, 2)
    imgs = tensor2imgs(batch, mean=(1, 2, 3), std=(2, 2, 2))
    assert len(imgs) == 2 and imgs[0].shape == (2, 2, 3) and imgs[0].flags["C_CONTIGUOUS"]
    rgb = batch[0].permute(1, 2, 0).numpy() * 2 + np.array([1, 2, 3])
    np.testing.assert_allclose(imgs[0], rgb[:, :, ::-1])
    gray = tensor2imgs(batch[:, :1], to_bgr=False)
    np.testing.assert_allclose(gray[1][:, :, 0], batch[1, 0].numpy())
    with pytest.raises(AssertionError):
        tensor2imgs(batch[:, :1])  # one channel must not be turned to BGR
    with pytest.raises(AssertionError):
        tensor2imgs(batch[0])


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 3, 4, 5), {}),
        ((2, 3, 4, 5), {"mean": (1, 2, 3), "std": (0.5, 1, 2)}),
        ((2, 3, 4, 5), {"to_bgr": False}),
        ((1, 1, 4, 5), {"to_bgr": False, "mean": (3,), "std": (2,)}),
        ((1, 1, 4, 5), {}),
        ((1, 2, 4, 5), {}),
        ((3, 4, 5), {}),
        ((2, 3, 4, 5), {"mean": (1, 2)}),
    ],
)
def test_parity_tensor2imgs(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    theirs = _theirs("misc")
    batch = torch.rand(shape)
    results: list[Any] = []
    for func in (tensor2imgs, theirs.tensor2imgs):
        try:
            results.append([img.tolist() for img in func(batch, **kwargs)])
        except AssertionError:
            results.append("AssertionError")
    assert results[0] == results[1]


def test_parity_mmcv_full_available() -> None:
    theirs = _theirs("misc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # their pkgutil.find_loader
        assert mmcv_full_available() == theirs.mmcv_full_available()


# ---------------------------------------------------------------- torch ops, tracing, hub
def test_torch_meshgrid() -> None:
    x, y = torch.tensor([1, 2, 3]), torch.tensor([4, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid_x, grid_y = torch_meshgrid(x, y)
    assert grid_x.shape == (3, 2) and grid_x[:, 0].tolist() == [1, 2, 3]
    assert grid_y[0].tolist() == [4, 5]
    theirs = _theirs("torch_ops")
    for mine, ref in zip(torch_meshgrid(x, y), theirs.torch_meshgrid(x, y), strict=True):
        assert torch.equal(mine, ref)


@pytest.mark.filterwarnings("ignore:`torch.jit.trace` is deprecated:DeprecationWarning")
def test_is_jit_tracing() -> None:
    def foo(x: Any) -> Any:
        return x if is_jit_tracing() else x.tolist()

    x = torch.rand(3)
    assert isinstance(foo(x), list)
    traced = torch.jit.trace(foo, (torch.rand(1),))
    assert isinstance(traced(x), torch.Tensor)


def test_load_url_is_torchs() -> None:
    from torch.utils.model_zoo import load_url as torch_load_url

    assert load_url is torch_load_url
    assert load_url is _theirs("hub").load_url
