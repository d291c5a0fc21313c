"""A user's config inheriting from a config mmsegmentation ships: ``_base_ = 'mmseg::...'``."""

from __future__ import annotations

import importlib.util
import os.path as osp
from pathlib import Path

import pytest

from mmlight.config import Config

pytestmark = pytest.mark.interop
pytest.importorskip("mmseg")

CHILD = """
_base_ = 'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(decode_head=dict(num_classes=4), auxiliary_head=dict(num_classes=4))
"""


def test_mmseg_base_loads_as_mmengine_loads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mmengine.config.config as engine_config
    from mmengine.config import Config as EngineConfig

    child = tmp_path / "fcn_child.py"
    child.write_text(CHILD)
    # mmengine 0.10.7 finds installed packages through pkg_resources, which recent setuptools
    # no longer ships (its own `mmseg::` fails here): give it the same folder mmlight finds.
    monkeypatch.setattr(engine_config, "is_installed", lambda package: True)
    monkeypatch.setattr(
        engine_config, "get_installed_path",
        lambda package: osp.dirname(str(importlib.util.find_spec("mmseg").origin)),  # type: ignore[union-attr]
    )  # fmt: skip
    expected = EngineConfig.fromfile(str(child)).to_dict()
    got = Config.fromfile(str(child)).to_dict()
    assert got == expected
    assert got["model"]["_scope_"] == "mmseg" and got["default_scope"] == "mmseg"
    assert got["train_dataloader"]["dataset"]["_scope_"] == "mmseg"
    assert got["model"]["decode_head"]["num_classes"] == 4
