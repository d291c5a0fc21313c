"""Datasets, samplers, collate functions and dataloader building, as in ``mmengine.dataset``.

Importing this package registers everything it defines (DATASETS, DATA_SAMPLERS, FUNCTIONS),
which is why the root registries list it in their ``locations``.
"""

from mmlight.dataset.base_dataset import BaseDataset, Compose, force_full_init
from mmlight.dataset.builder import build_dataloader
from mmlight.dataset.dataset_wrapper import ClassBalancedDataset, ConcatDataset, RepeatDataset
from mmlight.dataset.sampler import DefaultSampler, InfiniteSampler
from mmlight.dataset.utils import (
    COLLATE_FUNCTIONS,
    default_collate,
    pseudo_collate,
    worker_init_fn,
)

__all__ = [
    "COLLATE_FUNCTIONS",
    "BaseDataset",
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
]
