"""mmlight.hub on mmsegmentation 1.2.2's shipped configs, against mmengine.hub as the oracle.

mmengine 0.10.7 finds and installs packages through ``pkg_resources``/pip; the oracle is given
the installed folder instead (``install_package`` does nothing), as tests/bridge does.
``get_model`` imports mmseg's models, which import ``mmcv.ops`` (absent from mmcv-lite): it runs
in a subprocess with tests/bridge's import-only stand-in on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.interop
pytest.importorskip("mmseg")
pytest.importorskip("mmengine")

from mmlight.config import Config  # noqa: E402
from mmlight.config.errors import ConfigFileNotFoundError  # noqa: E402
from mmlight.hub import get_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "bridge" / "mmcv_ops_standin"
FCN = "mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py"
MIM = Path(str(importlib.util.find_spec("mmseg").origin)).parent / ".mim"  # type: ignore[union-attr]
if not (MIM / "configs").is_dir():
    pytest.skip(f"mmseg's configs are not installed ({MIM})", allow_module_level=True)


@pytest.fixture
def engine_hub(monkeypatch: pytest.MonkeyPatch) -> Any:
    import mmengine.hub.hub as hub

    monkeypatch.setattr(hub, "install_package", lambda package: None)
    monkeypatch.setattr(hub, "get_installed_path", lambda package: str(MIM.parent))
    return hub


@pytest.mark.parametrize("pretrained", [False, True])
@pytest.mark.parametrize(
    "name",
    [
        FCN,
        "mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py",
        "mmseg::_base_/models/fcn_r50-d8.py",
        "mmseg::_base_/datasets/cityscapes.py",
    ],
)
def test_get_config_as_mmengine(engine_hub: Any, name: str, pretrained: bool) -> None:
    ours = get_config(name, pretrained=pretrained)
    theirs = engine_hub.get_config(name, pretrained=pretrained)
    assert ours.to_dict() == theirs.to_dict()


def test_get_config_is_the_shipped_file() -> None:
    cfg = get_config(FCN, pretrained=True)
    path = MIM / "configs" / "fcn" / "fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py"
    assert {k: v for k, v in cfg.to_dict().items() if k != "model_path"} == (
        Config.fromfile(str(path)).to_dict()
    )
    assert cfg.model_path.startswith("https://download.openmmlab.com/mmsegmentation/")


def test_a_typo_in_an_mmseg_config_name() -> None:
    with pytest.raises(ConfigFileNotFoundError, match="Did you mean 'fcn/fcn_r18-d8_4xb2-80k"):
        get_config("mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscape-512x1024.py")


PROBE = """
import importlib.util, json, os.path as osp, sys
import torch
import mmengine.hub.hub as engine_hub
from mmlight.hub import get_model
from mmlight.registry import DefaultScope

name, cache = sys.argv[1], sys.argv[2]
engine_hub.install_package = lambda package: None
mmseg_dir = osp.dirname(importlib.util.find_spec('mmseg').origin)
engine_hub.get_installed_path = lambda package: mmseg_dir
ours = get_model(name, test_cfg=dict(mode='whole'))
theirs = engine_hub.get_model(name, test_cfg=dict(mode='whole'))
shapes = lambda m: [[k, list(v.shape)] for k, v in m.state_dict().items()]

# pretrained=True, offline: the metafile's weights are put where the download would cache them
url = engine_hub.get_config(name, pretrained=True).model_path
state = {k: v + 1 if v.is_floating_point() else v for k, v in ours.state_dict().items()}
torch.save({'state_dict': state}, osp.join(cache, osp.basename(url)))
import socket
def no_network(*args, **kwargs):
    raise AssertionError('network used')
socket.socket = no_network
loaded = get_model(name, pretrained=True)
print(json.dumps({
    'classes': [type(ours).__qualname__, type(theirs).__qualname__],
    'same_shapes': shapes(ours) == shapes(theirs),
    'test_cfg': [dict(ours.test_cfg), dict(theirs.test_cfg)],
    'preprocessors': [type(ours.data_preprocessor).__name__,
                      type(theirs.data_preprocessor).__name__],
    'scope_after': getattr(DefaultScope.get_current_instance(), 'scope_name', None),
    'pretrained_equal': all(torch.equal(loaded.state_dict()[k], v) for k, v in state.items()),
    'is_init': loaded._is_init,
}))
"""


def test_get_model_builds_mmsegs_model_as_mmengine(tmp_path: Path) -> None:
    cache = tmp_path / "torch_home" / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(STANDIN), str(ROOT)]),
        "TORCH_HOME": str(tmp_path / "torch_home"),
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, FCN, str(cache)],
        capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["classes"] == ["EncoderDecoder", "EncoderDecoder"]
    assert result["same_shapes"]
    assert result["test_cfg"] == [{"mode": "whole"}, {"mode": "whole"}]
    assert result["preprocessors"] == ["SegDataPreProcessor", "SegDataPreProcessor"]
    # mmseg's register_all_modules (called by both get_models, as mmengine's does) leaves
    # mmengine's scope 'mmseg' set; with the bridge that is mmlight's current scope too
    assert result["scope_after"] == "mmseg"
    assert result["pretrained_equal"] and result["is_init"]
    assert osp.isdir(cache)
