"""Import-path twin of ``mmengine.dist.dist`` (the collectives and result collection).

Code written as ``from mmengine.dist.dist import all_reduce`` keeps working after the
``mmengine`` -> ``mmlight`` rename; the implementations live in ``collectives.py`` and
``collect.py``.
"""

from .collect import collect_results, collect_results_cpu, collect_results_gpu
from .collectives import (
    all_gather,
    all_gather_object,
    all_reduce,
    all_reduce_dict,
    all_reduce_params,
    broadcast,
    broadcast_object_list,
    gather,
    gather_object,
    sync_random_seed,
)

__all__ = [
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "all_reduce_dict",
    "all_reduce_params",
    "broadcast",
    "broadcast_object_list",
    "collect_results",
    "collect_results_cpu",
    "collect_results_gpu",
    "gather",
    "gather_object",
    "sync_random_seed",
]
