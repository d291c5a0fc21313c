"""Startup stays cheap: the config/registry layer must not drag in torch or lightning."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "lightning", "mmengine", "matplotlib", "tensorboard", "wandb")


@pytest.mark.parametrize(
    "module", ["mmlight", "mmlight.config", "mmlight.registry", "mmlight.utils", "mmlight.device"]
)
def test_import_loads_no_heavy_package(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing {module} loaded: {out}"


def test_top_level_reexports_like_mmengine() -> None:
    import mmlight
    from mmlight.config import Config
    from mmlight.registry import MODELS

    assert mmlight.Config is Config
    assert mmlight.MODELS is MODELS
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = mmlight.Nope
