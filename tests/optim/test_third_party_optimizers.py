"""Optional packages' optimizers are registered in OPTIMIZERS when installed, as in mmengine."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from mmlight.optim.optimizer import builder, third_party_optimizers
from mmlight.registry import OPTIMIZERS


@pytest.fixture
def fake_packages(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "lion_pytorch.py").write_text(
        "import torch\nclass Lion(torch.optim.SGD):\n    pass\n"
    )
    bnb = tmp_path / "bitsandbytes"
    bnb.mkdir()
    (bnb / "__init__.py").write_text("from . import optim\n")
    (bnb / "optim.py").write_text(
        "import torch\nclass SGD(torch.optim.SGD):\n    pass\n"
        "class PagedLion8bit(torch.optim.SGD):\n    pass\nNOT_AN_OPTIMIZER = 3\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("lion_pytorch", "bitsandbytes", "bitsandbytes.optim"):
            sys.modules.pop(name, None)
        for name in ("Lion", "bnb_SGD", "PagedLion8bit"):
            OPTIMIZERS.module_dict.pop(name, None)


def test_names_importable_from_builder_as_in_mmengine() -> None:
    for name in ("BITSANDBYTES_OPTIMIZERS", "DADAPTATION_OPTIMIZERS", "LION_OPTIMIZERS",
                 "TORCH_OPTIMIZERS", "TRANSFORMERS_OPTIMIZERS", "NPU_OPTIMIZERS"):
        assert isinstance(getattr(builder, name), list)
    assert "SGD" in builder.TORCH_OPTIMIZERS


def test_missing_packages_register_nothing() -> None:
    import importlib.util

    if any(importlib.util.find_spec(name) for name in ("dadaptation", "Sophia")):
        pytest.skip("an optional optimizer package is installed")
    assert third_party_optimizers.register_dadaptation_optimizers() == []
    assert third_party_optimizers.register_sophia_optimizers() == []


def test_installed_packages_are_registered(fake_packages: Path) -> None:
    assert third_party_optimizers.register_lion_optimizers() == ["Lion"]
    lion = OPTIMIZERS.get("Lion")
    assert lion.__module__ == "lion_pytorch"
    assert isinstance(lion([torch.nn.Parameter(torch.zeros(1))], lr=0.1), torch.optim.SGD)
    # torch already owns "SGD": bitsandbytes' one gets the bnb_ prefix, others keep their name
    names = third_party_optimizers.register_bitsandbytes_optimizers()
    assert sorted(names) == ["PagedLion8bit", "bnb_SGD"]
    assert OPTIMIZERS.get("SGD") is torch.optim.SGD
    assert OPTIMIZERS.get("bnb_SGD").__module__ == "bitsandbytes.optim"
    # registering again is harmless
    assert third_party_optimizers.register_lion_optimizers() == ["Lion"]
