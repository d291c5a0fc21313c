"""Root registries: names, scope, lazy locations, torch optimizer registration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mmlight.registry import root

ROOT_NAMES = [
    "RUNNERS", "RUNNER_CONSTRUCTORS", "LOOPS", "HOOKS", "STRATEGIES", "DATASETS", "DATA_SAMPLERS",
    "TRANSFORMS", "MODELS", "MODEL_WRAPPERS", "WEIGHT_INITIALIZERS", "OPTIMIZERS",
    "OPTIM_WRAPPERS", "OPTIM_WRAPPER_CONSTRUCTORS", "PARAM_SCHEDULERS", "METRICS", "EVALUATOR",
    "TASK_UTILS", "VISUALIZERS", "VISBACKENDS", "LOG_PROCESSORS", "INFERENCERS", "FUNCTIONS",
]  # fmt: skip


def test_all_root_registries_exist_in_root_scope() -> None:
    import mmlight.registry as pkg

    for name in ROOT_NAMES:
        reg = getattr(pkg, name)
        assert isinstance(reg, root.Registry), name
        assert reg.scope == "mmlight" and reg.parent is None, name
        assert name in pkg.__all__
    assert len({id(getattr(pkg, n)) for n in ROOT_NAMES}) == len(ROOT_NAMES)
    assert pkg.COLLATE_FUNCTIONS is pkg.FUNCTIONS


@pytest.mark.parametrize(
    ("name", "location"),
    [
        ("OPTIMIZERS", "mmlight.optim"),
        ("MODELS", "mmlight.model"),
        ("WEIGHT_INITIALIZERS", "mmlight.model"),
        ("DATA_SAMPLERS", "mmlight.dataset"),
        ("FUNCTIONS", "mmlight.dataset"),
        ("DATASETS", "mmlight.dataset"),
        ("TRANSFORMS", "mmlight.dataset"),
        ("METRICS", "mmlight.evaluator"),
        ("EVALUATOR", "mmlight.evaluator"),
    ],
)
def test_locations(name: str, location: str) -> None:
    assert location in getattr(root, name)._locations


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_registry_import_is_light_and_optimizers_fill_on_lookup() -> None:
    out = _run(
        "import sys\n"
        "from mmlight.registry import OPTIMIZERS\n"
        "print('torch' in sys.modules, len(OPTIMIZERS._module_dict))\n"
        "import torch\n"
        "print(OPTIMIZERS.get('SGD') is torch.optim.SGD, 'mmlight.optim' in sys.modules)\n"
    )
    assert out.splitlines() == ["False 0", "True True"]


def test_listing_a_lazy_registry_imports_its_locations() -> None:
    out = _run(
        "from mmlight.registry import OPTIMIZERS\n"
        "print('SGD' in OPTIMIZERS.module_dict, len(OPTIMIZERS) > 10, 'SGD' in repr(OPTIMIZERS))\n"
    )
    assert out == "True True True"


def test_torch_optimizers_registered() -> None:
    torch = pytest.importorskip("torch")
    import inspect

    from mmlight.optim import OPTIMIZERS, TORCH_OPTIMIZERS, register_torch_optimizers

    expected = {
        n
        for n in dir(torch.optim)
        if inspect.isclass(getattr(torch.optim, n))
        and issubclass(getattr(torch.optim, n), torch.optim.Optimizer)
    }
    assert set(TORCH_OPTIMIZERS) == expected
    for attr in expected:
        name = "TorchAdafactor" if attr == "Adafactor" else attr
        assert OPTIMIZERS.get(name) is getattr(torch.optim, attr)
    if hasattr(torch.optim, "Adafactor"):
        assert "Adafactor" not in OPTIMIZERS.module_dict
    assert register_torch_optimizers() == TORCH_OPTIMIZERS  # idempotent
    assert "torch.optim.lr_scheduler.StepLR" in OPTIMIZERS  # dotted path only, not registered
    assert "StepLR" not in OPTIMIZERS.module_dict
