"""mmlight.hub on a fake installed package: ``.mim/configs``, ``model-index.yml``, a registry."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from mmlight.config import Config
from mmlight.config.errors import ConfigFileNotFoundError
from mmlight.hub import (
    ExternalConfigNameError,
    MissingWeightsError,
    PackageNotInstalledError,
    get_config,
    get_model,
)
from mmlight.registry import DefaultScope
from tests.infer._toys import TinySegmentor, write_checkpoint, write_fake_package

_names = itertools.count()

# What an OpenMMLab repository has: a child registry in its scope, filled by register_all_modules.
REGISTRY_PY = """
from mmlight.registry import MODELS as ROOT_MODELS, Registry
MODELS = Registry('model', parent=ROOT_MODELS, scope={name!r})
"""
UTILS_PY = """
calls = []
def register_all_modules():
    from tests.infer._toys import TinySegmentor
    from {name}.registry import MODELS
    MODELS.register_module(module=TinySegmentor, force=True)
    calls.append(1)
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    name = f"tinyhubpkg_{os.getpid()}_{next(_names)}"
    ckpt = tmp_path / "weights.pth"
    state = write_checkpoint(ckpt, with_config=False, seed=5)
    site = tmp_path / "site"
    configs = write_fake_package(site, name, ckpt)
    (site / name / "registry.py").write_text(REGISTRY_PY.format(name=name))
    (site / name / "utils.py").write_text(UTILS_PY.format(name=name))
    monkeypatch.syspath_prepend(str(site))
    yield {"name": name, "ckpt": str(ckpt), "state": state, "configs": configs, "site": site}
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_get_config_from_the_metafile_entry(package: dict[str, Any]) -> None:
    name = package["name"]
    cfg = get_config(f"{name}::tiny/tiny_seg_1x.py")
    expected = Config.fromfile(str(package["configs"] / "tiny" / "tiny_seg_1x.py"))
    assert cfg.to_dict() == expected.to_dict()
    assert "model_path" not in cfg
    pretrained = get_config(f"{name}::tiny/tiny_seg_1x.py", pretrained=True)
    assert pretrained.model_path == package["ckpt"]


def test_get_config_of_a_base_config_without_metafile_entry(package: dict[str, Any]) -> None:
    cfg = get_config(f"{package['name']}::_base_/tiny_model.py", pretrained=True)
    assert cfg.model.type == "TinySegmentor" and "model_path" not in cfg


def test_pretrained_entry_without_weights(package: dict[str, Any]) -> None:
    with pytest.raises(MissingWeightsError, match="Cannot find `Weights` in cfg_file"):
        get_config(f"{package['name']}::tiny/tiny_seg_noweights.py", pretrained=True)
    assert isinstance(MissingWeightsError(), AssertionError)  # mmengine asserts


def test_package_without_model_index_still_serves_configs(package: dict[str, Any]) -> None:
    (package["site"] / package["name"] / ".mim" / "model-index.yml").unlink()
    cfg = get_config(f"{package['name']}::tiny/tiny_seg_1x.py", pretrained=True)
    assert cfg.model.num_classes == 3 and "model_path" not in cfg


def test_unknown_config_names_the_close_ones(package: dict[str, Any]) -> None:
    with pytest.raises(
        ConfigFileNotFoundError, match=r"does not exist.*Did you mean 'tiny/tiny_seg_1x.py'"
    ):
        get_config(f"{package['name']}::tiny/tiny_seg_1X.py")


def test_package_without_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"noconfigs_{os.getpid()}_{next(_names)}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigFileNotFoundError, match="ships no configs"):
        get_config(f"{name}::a/b.py")


def test_unknown_and_missing_packages() -> None:
    with pytest.raises(PackageNotInstalledError, match="Did you mean 'mmseg'"):
        get_config("mmsge::fcn/fcn.py")
    with pytest.raises(AssertionError, match="mmengine does not support to load mmsge config"):
        get_config("mmsge::fcn/fcn.py")
    if "mmflow" not in sys.modules:
        with pytest.raises(PackageNotInstalledError, match='"pip install mmflow"'):
            get_config("mmflow::raft/raft.py")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("fcn/fcn.py", "please specify the package name and relative config path"),
        ("mmseg::fcn.py", "please specify the package name and relative config path"),
        ("mmseg::fcn/a::b/c.py", "found multiple `::`"),
    ],
)
def test_malformed_names(written: str, message: str) -> None:
    with pytest.raises(ExternalConfigNameError, match=message):
        get_config(written)
    assert issubclass(ExternalConfigNameError, ValueError)  # mmengine's type


def test_get_model_builds_in_the_package_scope(package: dict[str, Any]) -> None:
    name = package["name"]
    with DefaultScope.overwrite_default_scope("outer_scope"):
        model = get_model(f"{name}::tiny/tiny_seg_1x.py", num_classes=2)
        current = DefaultScope.get_current_instance()
        assert current is not None and current.scope_name == "outer_scope"
    assert isinstance(model, TinySegmentor)
    assert model.conv.out_channels == 3  # the config wins over the default argument
    assert sys.modules[f"{name}.utils"].calls == [1]
    assert not getattr(model, "_is_init", False)


def test_get_model_pretrained_loads_the_metafile_weights_offline(
    package: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("mmlight.hub must not use the network here")

    monkeypatch.setattr(socket, "socket", no_network)
    model = get_model(f"{package['name']}::tiny/tiny_seg_1x.py", pretrained=True)
    for key, value in package["state"].items():
        assert torch.equal(model.state_dict()[key], value)
    assert model._is_init is True


def test_get_model_pretrained_without_weights(package: dict[str, Any]) -> None:
    with pytest.raises(MissingWeightsError, match="no metafile entry naming its weights"):
        get_model(f"{package['name']}::_base_/tiny_model.py", pretrained=True)


def test_importing_mmlight_hub_loads_no_torch() -> None:
    code = "import sys, mmlight.hub; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True)
