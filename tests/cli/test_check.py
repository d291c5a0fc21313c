"""``mmlight check``'s argument checks: strict where mmlight builds the dict as written, lenient
where the dict's owner builds it (nested model parts, a visualizer's backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from torch import nn

from mmlight.cli.check import check_config
from mmlight.config import Config
from mmlight.registry import MODELS


class _Norm(nn.Module):
    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()


class _Net(nn.Module):
    """Builds its norm as mmcv's ``build_norm_layer`` does: takes out ``requires_grad``, adds
    ``num_features``."""

    def __init__(self, norm_cfg: dict | None = None) -> None:
        super().__init__()


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    MODELS.register_module(name="CheckTestNorm", module=_Norm)
    MODELS.register_module(name="CheckTestNet", module=_Net)
    yield
    MODELS._module_dict.pop("CheckTestNorm", None)
    MODELS._module_dict.pop("CheckTestNet", None)


def _check(tmp_path: Path, text: str) -> list[tuple[str, str, bool]]:
    path = tmp_path / "cfg.py"
    path.write_text(text)
    return [(p.key, p.message, p.warning) for p in check_config(Config.fromfile(str(path)))]


def test_a_nested_dict_the_model_builds_needs_no_argument_its_owner_supplies(
    tmp_path: Path,
) -> None:
    problems = _check(tmp_path, "model = dict(type='CheckTestNet', "
                      "norm_cfg=dict(type='CheckTestNorm', requires_grad=True))\n")

    assert problems == [(
        "model.norm_cfg",
        "'CheckTestNorm' takes no argument 'requires_grad' (accepted: num_features, eps) "
        "(nested in model: its code may take it out)",
        True,
    )]


def test_the_model_itself_is_still_checked_strictly(tmp_path: Path) -> None:
    problems = _check(tmp_path, "model = dict(type='CheckTestNorm', eps=1.0, momentum=0.1)\n")

    assert [(key, warning) for key, _, warning in problems] == [("model", False)] * 2
    assert "'CheckTestNorm' takes no argument 'momentum'" in problems[0][1]
    assert problems[1][1] == "'CheckTestNorm' needs argument 'num_features', which is missing"


def test_a_vis_backend_gets_save_dir_from_its_visualizer(tmp_path: Path) -> None:
    problems = _check(tmp_path, "model = dict(type='CheckTestNet')\nvisualizer = dict("
                      "type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])\n")

    assert problems == []
