"""mmlight.testing's helpers answer as mmengine.testing's do."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmlight import testing

torch = pytest.importorskip("torch")


def _engine() -> Any:
    return pytest.importorskip("mmengine.testing")


@pytest.mark.parametrize(
    ("actual", "expected", "kwargs"),
    [
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 5e-6]), {}),
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]), {}),
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]), dict(rtol=0.1, atol=0.0)),
        (torch.tensor([1.0, 2.0]), [1.0, 2.0], {}),
        (3, 3, {}),
        (torch.tensor([float("nan")]), torch.tensor([float("nan")]), {}),
        (torch.tensor([float("nan")]), torch.tensor([float("nan")]), dict(equal_nan=False)),
        (torch.tensor([1.0], dtype=torch.float64), torch.tensor([1.0 + 1e-6]), {}),
        (torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), {}),
        (torch.tensor([1.0]), torch.tensor([1.0]), dict(rtol=0.1)),
        (torch.tensor([1.0, 2.0]), torch.tensor([1.0]), {}),
    ],
)
def test_assert_allclose_passes_and_fails_like_mmengine(actual: Any, expected: Any,
                                                        kwargs: dict[str, Any]) -> None:
    engine = _engine()
    outcomes = []
    for helper in (testing.assert_allclose, engine.assert_allclose):
        try:
            helper(actual, expected, **kwargs)
            outcomes.append("ok")
        except Exception as err:
            outcomes.append(type(err).__name__)
    assert outcomes[0] == outcomes[1]


def test_assert_allclose_message() -> None:
    with pytest.raises(AssertionError, match="custom note"):
        testing.assert_allclose(torch.tensor([1.0]), torch.tensor([2.0]), msg="custom note")


class _Obj:
    a = np.array([1, 2])
    b = "text"


@pytest.mark.parametrize(
    ("subset", "expected"),
    [
        ({"a": np.array([1, 2])}, True),
        ({"a": np.array([1, 3])}, False),
        ({"b": "text"}, True),
        ({"b": "other"}, False),
        ({"c": 1}, False),
        ({"t": torch.tensor([[1.0, 2.0]])}, True),
        ({"t": torch.tensor([[1.0, 2.5]])}, False),
        ({"s": torch.tensor(3)}, True),
        ({"n": [np.array([1]), np.array([2])]}, True),
        ({}, True),
    ],
)
def test_subset_and_attrs_like_mmengine(subset: dict[str, Any], expected: bool) -> None:
    engine = _engine()
    data = {"a": np.array([1, 2]), "b": "text", "t": torch.tensor([[1.0, 2.0]]),
            "s": torch.tensor(3), "n": [np.array([1]), np.array([2])]}
    assert testing.assert_dict_contains_subset(data, subset) is expected
    assert engine.assert_dict_contains_subset(data, subset) == expected
    attrs = {k: v for k, v in subset.items() if k in ("a", "b", "c")}
    assert testing.assert_attrs_equal(_Obj(), attrs) == engine.assert_attrs_equal(_Obj(), attrs)


def test_key_helpers() -> None:
    engine = _engine()
    for obj, keys in (({"a": 1, "b": 2}, ["a"]), ({"a": 1}, ["a", "b"]), ({}, [])):
        assert testing.assert_dict_has_keys(obj, keys) == engine.assert_dict_has_keys(obj, keys)
    for left, right in ((["a", "b"], ["b", "a"]), (["a"], ["a", "b"])):
        assert testing.assert_keys_equal(left, right) == engine.assert_keys_equal(left, right)


@pytest.mark.parametrize(
    "module",
    [torch.nn.BatchNorm2d(2), torch.nn.SyncBatchNorm(2), torch.nn.InstanceNorm1d(2, affine=True),
     torch.nn.GroupNorm(1, 2), torch.nn.LayerNorm(2), torch.nn.Conv2d(1, 1, 1),
     torch.nn.Linear(1, 1)],
    ids=lambda m: type(m).__name__,
)
def test_norm_layer_and_zero_params_like_mmengine(module: Any) -> None:
    engine = _engine()
    assert testing.assert_is_norm_layer(module) == engine.assert_is_norm_layer(module)
    assert testing.assert_params_all_zeros(module) == engine.assert_params_all_zeros(module)
    torch.nn.init.zeros_(module.weight)
    assert testing.assert_params_all_zeros(module) == engine.assert_params_all_zeros(module)
    if getattr(module, "bias", None) is not None:
        torch.nn.init.zeros_(module.bias)
        assert testing.assert_params_all_zeros(module) is True


def test_params_all_zeros_without_bias() -> None:
    layer = torch.nn.Linear(2, 2, bias=False)
    torch.nn.init.zeros_(layer.weight)
    assert testing.assert_params_all_zeros(layer) is True


def test_check_python_script_runs_as_main_with_argv(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    script = tmp_path / "hello.py"
    script.write_text("import sys\n"
                      "if __name__ == '__main__':\n"
                      f"    open({str(out)!r}, 'w').write(' '.join(sys.argv))\n")
    argv = list(sys.argv)
    testing.check_python_script(f"python {script} zz 'a b'")
    assert out.read_text() == f"{script} zz a b"
    assert sys.argv == argv
    testing.check_python_script(f"{script} yy")
    assert out.read_text() == f"{script} yy"


def test_importing_mmlight_testing_needs_no_torch() -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-c",
                          "import sys, mmlight.testing; print('torch' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
