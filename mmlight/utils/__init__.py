"""General helpers shared by mmlight's subpackages: mmengine.utils' names under the same paths.

Nothing here imports torch. The torch helpers live in :mod:`mmlight.utils.dl_utils`, which is
imported only when it is named (``import mmlight.utils.dl_utils`` or ``mmlight.utils.dl_utils``).
"""

from __future__ import annotations

import importlib
from typing import Any

from mmlight.utils.imports import (
    get_object_from_string,
    import_module_prefer_mmlight,
    import_modules_from_strings,
    is_missing_module_error,
)
from mmlight.utils.manager import ManagerMeta, ManagerMixin
from mmlight.utils.misc import (
    apply_to,
    check_prerequisites,
    concat_list,
    deprecated_api_warning,
    deprecated_function,
    has_method,
    is_list_of,
    is_method_overridden,
    is_seq_of,
    is_str,
    is_tuple_of,
    iter_cast,
    list_cast,
    requires_executable,
    requires_package,
    slice_list,
    to_1tuple,
    to_2tuple,
    to_3tuple,
    to_4tuple,
    to_ntuple,
    tuple_cast,
)
from mmlight.utils.package_utils import (
    call_command,
    get_installed_path,
    install_package,
    is_installed,
)
from mmlight.utils.path import (
    check_file_exist,
    fopen,
    is_abs,
    is_filepath,
    mkdir_or_exist,
    scandir,
    symlink,
)
from mmlight.utils.progressbar import (
    ProgressBar,
    track_iter_progress,
    track_parallel_progress,
    track_progress,
)
from mmlight.utils.progressbar_rich import track_progress_rich
from mmlight.utils.timer import Timer, TimerError, check_time
from mmlight.utils.version_utils import digit_version, get_git_hash

__all__ = [
    "ManagerMeta",
    "ManagerMixin",
    "ProgressBar",
    "Timer",
    "TimerError",
    "apply_to",
    "call_command",
    "check_file_exist",
    "check_prerequisites",
    "check_time",
    "concat_list",
    "deprecated_api_warning",
    "deprecated_function",
    "digit_version",
    "fopen",
    "get_git_hash",
    "get_installed_path",
    "get_object_from_string",
    "has_method",
    "import_module_prefer_mmlight",
    "import_modules_from_strings",
    "install_package",
    "is_abs",
    "is_filepath",
    "is_installed",
    "is_list_of",
    "is_method_overridden",
    "is_missing_module_error",
    "is_seq_of",
    "is_str",
    "is_tuple_of",
    "iter_cast",
    "list_cast",
    "mkdir_or_exist",
    "requires_executable",
    "requires_package",
    "scandir",
    "slice_list",
    "symlink",
    "to_1tuple",
    "to_2tuple",
    "to_3tuple",
    "to_4tuple",
    "to_ntuple",
    "track_iter_progress",
    "track_parallel_progress",
    "track_progress",
    "track_progress_rich",
    "tuple_cast",
]

# Subpackages that import torch: loaded on first attribute access only.
_LAZY_SUBMODULES = ("dl_utils",)


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
