"""Distributed helpers with ``mmengine.dist``'s names and single-process fallbacks.

Every function works without an initialised process group (it answers for one process:
rank 0, world size 1, collectives are no-ops). ``init_dist`` joins the group a launcher
(torchrun, srun, mpirun) prepared; the Runner calls it before building anything, as mmengine
does, and Lightning's strategy then reuses that group.
"""

from .collect import (
    COLLECT_DEVICES,
    InvalidCollectDeviceError,
    collect_results,
    collect_results_cpu,
    collect_results_gpu,
)
from .collectives import (
    InvalidReduceOpError,
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
from .device import cast_data_device, get_comm_device, get_data_device
from .launch import LAUNCHERS, InvalidLauncherError, LauncherEnvError, init_dist
from .utils import (
    barrier,
    get_backend,
    get_default_group,
    get_dist_info,
    get_local_group,
    get_local_rank,
    get_local_size,
    get_rank,
    get_world_size,
    infer_launcher,
    init_local_group,
    is_distributed,
    is_main_process,
    master_only,
)

__all__ = [
    "COLLECT_DEVICES",
    "LAUNCHERS",
    "InvalidCollectDeviceError",
    "InvalidLauncherError",
    "InvalidReduceOpError",
    "LauncherEnvError",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "all_reduce_dict",
    "all_reduce_params",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "cast_data_device",
    "collect_results",
    "collect_results_cpu",
    "collect_results_gpu",
    "gather",
    "gather_object",
    "get_backend",
    "get_comm_device",
    "get_data_device",
    "get_default_group",
    "get_dist_info",
    "get_local_group",
    "get_local_rank",
    "get_local_size",
    "get_rank",
    "get_world_size",
    "infer_launcher",
    "init_dist",
    "init_local_group",
    "is_distributed",
    "is_main_process",
    "master_only",
    "sync_random_seed",
]
