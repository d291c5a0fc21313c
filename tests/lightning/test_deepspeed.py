"""MMDeepSpeedStrategy's ``inputs_to_half``: the preprocessor's output is cast as mmengine's
DeepSpeed wrapper casts it (DeepSpeed itself is not installed here; the strategy's install
hint is tested in test_mm_strategies.py)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from mmlight.lightning.deepspeed import MMDeepSpeedStrategy, cast_inputs_half
from mmlight.model import BaseModel


def _batch() -> dict[str, Any]:
    return dict(inputs=[torch.ones(2), torch.zeros(2)], data_samples=torch.ones(1),
                index=3)


class _HalfModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, dtype=torch.float16))


@pytest.mark.parametrize("names", [["inputs"], [0], None])
def test_cast_matches_mmengine(names: Any) -> None:
    mm_deepspeed = pytest.importorskip("mmengine._strategy.deepspeed")
    theirs = mm_deepspeed.MMDeepSpeedEngineWrapper(model=_HalfModel(), inputs_to_half=names)
    for data in (_batch(), (torch.ones(2), [torch.ones(1)], "text")):
        expected = theirs._cast_inputs_half(data if isinstance(data, tuple) else dict(data))
        got = cast_inputs_half(data if isinstance(data, tuple) else dict(data), names,
                               torch.float16)
        assert type(got) is type(expected)
        flat_expected = expected.values() if isinstance(expected, dict) else expected
        flat_got = got.values() if isinstance(got, dict) else got
        for a, b in zip(flat_expected, flat_got, strict=True):
            if isinstance(a, list):
                assert [t.dtype for t in a] == [t.dtype for t in b]
            elif isinstance(a, torch.Tensor):
                assert a.dtype == b.dtype and torch.equal(a, b)
            else:
                assert a == b
    with pytest.raises(TypeError, match="inputs should be list, tuple or dict, but got"):
        cast_inputs_half(torch.ones(1), ["inputs"], torch.float16)


def test_inputs_to_half_hooks_the_data_preprocessor() -> None:
    class Model(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1).half()

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            return inputs

    class Module(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = Model()

    # the strategy's own constructor needs DeepSpeed; the hook needs only these attributes
    strategy = MMDeepSpeedStrategy.__new__(MMDeepSpeedStrategy)
    strategy.inputs_to_half = ["inputs"]
    strategy._cast_handle = None
    module = Module()
    strategy._lightning_module = module  # type: ignore[assignment]
    strategy._install_cast()
    out = module.model.data_preprocessor(dict(inputs=torch.ones(2, 2), data_samples=None))
    assert out["inputs"].dtype == torch.float16
    strategy._cast_handle.remove()
    out = module.model.data_preprocessor(dict(inputs=torch.ones(2, 2), data_samples=None))
    assert out["inputs"].dtype == torch.float32
