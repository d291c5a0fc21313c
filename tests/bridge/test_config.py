"""``mmlight.bridge.config``: mmengine's ``Config`` handed to mmlight becomes mmlight's."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config as EngineConfig
from mmengine.config import ConfigDict as EngineConfigDict
from torch import nn

from mmlight.bridge import as_mmlight_config, config_for
from mmlight.bridge.config import as_mmengine_config
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


def test_an_mmlight_config_becomes_mmengines_keeping_values_filename_and_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exp_cfg.py"
    path.write_text("model = dict(type='Linear', nested=dict(a=1))\n")
    cfg = Config.fromfile(str(path))

    engine_cfg = as_mmengine_config(cfg)

    assert type(engine_cfg) is EngineConfig
    assert engine_cfg.filename == cfg.filename
    assert engine_cfg.text == cfg.text
    assert engine_cfg.to_dict() == cfg.to_dict()
    assert as_mmengine_config(engine_cfg) is engine_cfg


def test_config_for_gives_mmengines_visualizers_and_backends_mmengines_config(
    tmp_path: Path,
) -> None:
    from mmengine.visualization import LocalVisBackend as EngineLocalVisBackend
    from mmengine.visualization import Visualizer as EngineVisualizer

    cfg = Config(dict(a=1))
    engine_visualizer = EngineVisualizer.get_instance("config_for_test")

    assert type(config_for(engine_visualizer, cfg)) is EngineConfig
    assert type(config_for(EngineLocalVisBackend(str(tmp_path)), cfg)) is EngineConfig
    assert config_for(object(), cfg) is cfg


def test_runner_records_its_config_through_an_mmengine_visualizer(tmp_path: Path) -> None:
    """mmengine's ``Visualizer.add_config`` asserts mmengine's Config (SegLocalVisualizer's too)."""
    from mmengine.visualization import Visualizer as EngineVisualizer

    path = tmp_path / "exp_cfg.py"
    path.write_text("model = dict(type='Linear', in_features=1, out_features=1)\nseed = 7\n")
    visualizer = EngineVisualizer.get_instance(
        "runner_config_test", vis_backends=[dict(type="LocalVisBackend")],
        save_dir=str(tmp_path / "vis"),
    )

    Runner(model=nn.Linear(1, 1), work_dir=str(tmp_path / "work"),
           cfg=Config.fromfile(str(path)), visualizer=visualizer)

    dumped = EngineConfig.fromfile(str(tmp_path / "vis" / "vis_data" / "config.py"))
    assert dumped.seed == 7 and dumped.model.type == "Linear"


def test_mmlights_visualizer_records_its_config_through_an_mmengine_backend(
    tmp_path: Path,
) -> None:
    from mmengine.visualization import LocalVisBackend as EngineLocalVisBackend

    from mmlight.visualization import Visualizer

    path = tmp_path / "exp_cfg.py"
    path.write_text("seed = 7\n")
    visualizer = Visualizer(
        vis_backends=[dict(type=EngineLocalVisBackend)], save_dir=str(tmp_path / "vis")
    )
    assert isinstance(visualizer.get_backend("LocalVisBackend"), EngineLocalVisBackend)

    visualizer.add_config(Config.fromfile(str(path)))

    assert EngineConfig.fromfile(str(tmp_path / "vis" / "vis_data" / "config.py")).seed == 7
