"""General helpers shared by mmlight's subpackages (no torch at import time)."""

from mmlight.utils.imports import (
    get_object_from_string,
    import_module_prefer_mmlight,
    import_modules_from_strings,
    is_missing_module_error,
)
from mmlight.utils.manager import ManagerMeta, ManagerMixin

__all__ = [
    "ManagerMeta",
    "ManagerMixin",
    "get_object_from_string",
    "import_module_prefer_mmlight",
    "import_modules_from_strings",
    "is_missing_module_error",
]
