"""The package registers everything on import, and root registries find it by location."""

from __future__ import annotations

import subprocess
import sys

import mmlight.dataset


def test_public_names() -> None:
    assert set(mmlight.dataset.__all__) == {
        "BaseDataset",
        "COLLATE_FUNCTIONS",
        "ClassBalancedDataset",
        "Compose",
        "ConcatDataset",
        "DefaultSampler",
        "InfiniteSampler",
        "RepeatDataset",
        "build_dataloader",
        "default_collate",
        "force_full_init",
        "pseudo_collate",
        "worker_init_fn",
    }
    for name in mmlight.dataset.__all__:
        assert getattr(mmlight.dataset, name) is not None


def test_root_registries_import_the_package_on_first_lookup() -> None:
    code = (
        "import sys\n"
        "from mmlight.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS\n"
        "assert 'mmlight.dataset' not in sys.modules\n"
        "print(DATA_SAMPLERS.get('InfiniteSampler').__module__,"
        " DATASETS.get('RepeatDataset').__module__,"
        " FUNCTIONS.get('default_collate').__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "mmlight.dataset.sampler",
        "mmlight.dataset.dataset_wrapper",
        "mmlight.dataset.utils",
    ]
