"""``_base_ = 'package::path'``: base configs shipped in an installed package's ``.mim/configs``,
their outer typed dicts scoped to the package, as in mmengine."""

from __future__ import annotations

import importlib.util
import os.path as osp
import textwrap
from pathlib import Path

import pytest

from mmlight.config import Config
from mmlight.config.errors import ConfigFileNotFoundError

BASE = """
default_scope = 'fakepkg'
model = dict(type='Net', backbone=dict(type='Backbone', depth=18), neck=[dict(type='FPN')])
train_dataloader = dict(batch_size=2, dataset=dict(type='Data', pipeline=[dict(type='Load')]))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, _scope_='mmengine'))
plain = dict(a=1)
"""
CHILD = """
_base_ = ['fakepkg::segnet/segnet_base.py']
model = dict(backbone=dict(depth=50))
extra = dict(type='Mine')
"""


@pytest.fixture()
def child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "site" / "fakepkg"
    (package / ".mim" / "configs" / "segnet").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('configs must not import me')\n")
    (package / ".mim" / "configs" / "segnet" / "segnet_base.py").write_text(textwrap.dedent(BASE))
    (package / ".mim" / "model-index.yml").write_text("Import: []\n")  # mmengine reads it first
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    path = tmp_path / "project" / "child.py"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(CHILD))
    return path


def test_outer_typed_dicts_of_the_base_get_the_package_scope(child: Path) -> None:
    cfg = Config.fromfile(str(child)).to_dict()
    assert cfg["model"]["_scope_"] == "fakepkg" and cfg["model"]["backbone"]["depth"] == 50
    assert "_scope_" not in cfg["model"]["backbone"]  # only the outermost typed dict
    assert "_scope_" not in cfg["train_dataloader"]  # no type of its own...
    assert cfg["train_dataloader"]["dataset"]["_scope_"] == "fakepkg"  # ...its dataset has
    assert cfg["optim_wrapper"]["optimizer"]["_scope_"] == "mmengine"  # a written scope stays
    assert "_scope_" not in cfg["extra"]  # the child's own dicts are the user's scope


def test_same_dict_as_mmengine(child: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mmengine")
    import mmengine.config.config as engine_config
    import mmengine.config.utils as engine_utils
    from mmengine.config import Config as EngineConfig

    # mmengine 0.10.7 finds packages through pkg_resources (gone from recent setuptools) and
    # knows only OpenMMLab's names: point it at the same folder.
    monkeypatch.setitem(engine_utils.MODULE2PACKAGE, "fakepkg", "fakepkg")
    monkeypatch.setattr(engine_config, "is_installed", lambda package: True)
    monkeypatch.setattr(
        engine_config, "get_installed_path",
        lambda package: osp.dirname(str(importlib.util.find_spec(package).origin)),  # type: ignore[union-attr]
    )  # fmt: skip
    expected = EngineConfig.fromfile(str(child)).to_dict()
    assert Config.fromfile(str(child)).to_dict() == expected


def test_a_missing_config_in_the_package_gets_a_suggestion(child: Path) -> None:
    child.write_text("_base_ = 'fakepkg::segnet/segnet_bse.py'\n")
    with pytest.raises(
        ConfigFileNotFoundError,
        match=r"'fakepkg::segnet/segnet_bse\.py' not found: resolved to .*\.mim/configs/segnet/"
        r"segnet_bse\.py.*Did you mean 'segnet_base\.py'",
    ):
        Config.fromfile(str(child))


def test_a_package_name_must_be_written_package_colons_path(child: Path) -> None:
    child.write_text("_base_ = 'fake-pkg::x.py'\n")
    with pytest.raises(ModuleNotFoundError, match=r"write a package config as 'package::"):
        Config.fromfile(str(child))
