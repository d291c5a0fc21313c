"""RNG states survive a weights_only round trip and put every generator back."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from mmlight.runner.rng_state import capture_rng_state, restore_rng_state


def _draw() -> tuple:
    return (random.random(), float(np.random.rand()), float(torch.rand(1)),
            float(np.random.randn()))


def test_capture_save_restore(tmp_path: Path) -> None:
    np.random.randn()  # leave a cached gaussian in numpy's state
    state = capture_rng_state()
    expected = _draw()
    path = tmp_path / "rng.pth"
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)  # plain data only
    _draw()
    restore_rng_state(loaded)
    assert _draw() == expected


def test_restore_rejects_foreign_state() -> None:
    with pytest.raises(KeyError, match=r"lacks \['numpy', 'torch'\]") as info:
        restore_rng_state({"python": random.getstate()})
    assert not str(info.value).startswith('"')
