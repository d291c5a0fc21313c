"""``mmlight.bridge.config``: mmengine's ``Config`` handed to mmlight becomes mmlight's."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config as EngineConfig
from mmengine.config import ConfigDict as EngineConfigDict
from torch import nn

from mmlight.bridge import as_mmlight_config
from mmlight.config import Config
from mmlight.runner import Runner

pytestmark = pytest.mark.interop


def _engine_config(tmp_path: Path) -> EngineConfig:
    path = tmp_path / "exp_cfg.py"
    path.write_text(
        "work_dir = 'unused'\nmodel = dict(type='Linear', in_features=1, nested=dict(a=1))\n"
    )
    return EngineConfig.fromfile(str(path))


def test_an_mmengine_config_keeps_values_filename_and_text(tmp_path: Path) -> None:
    engine_cfg = _engine_config(tmp_path)

    cfg = as_mmlight_config(engine_cfg)

    assert type(cfg) is Config
    assert cfg.filename == engine_cfg.filename
    assert cfg.text == engine_cfg.text
    assert cfg.model.nested.a == 1
    assert cfg.to_dict() == engine_cfg.to_dict()


def test_a_config_dict_becomes_a_config_and_others_pass_through() -> None:
    cfg = as_mmlight_config(EngineConfigDict(a=dict(b=2)))
    assert type(cfg) is Config and cfg.a.b == 2
    plain = dict(a=1)
    assert as_mmlight_config(plain) is plain


def test_runner_from_cfg_takes_an_mmengine_config(tmp_path: Path) -> None:
    engine_cfg = _engine_config(tmp_path)
    engine_cfg.work_dir = str(tmp_path / "work")
    engine_cfg.model = nn.Linear(1, 1)

    runner = Runner.from_cfg(engine_cfg)

    assert type(runner.cfg) is Config
    assert runner.experiment_name.startswith("exp_cfg_")  # named after the file, as mmengine


def test_runner_takes_an_mmengine_config_as_cfg(tmp_path: Path) -> None:
    engine_cfg = _engine_config(tmp_path)

    runner = Runner(model=nn.Linear(1, 1), work_dir=str(tmp_path / "work"), cfg=engine_cfg)

    assert type(runner.cfg) is Config
    assert runner.cfg.filename == engine_cfg.filename
