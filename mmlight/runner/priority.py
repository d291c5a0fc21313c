"""``mmengine.runner.priority``'s module path: hook priorities live in
:mod:`mmlight.hooks.priority` (with the hooks they order); this module names the same objects."""

from mmlight.hooks.priority import Priority, get_priority

__all__ = ["Priority", "get_priority"]
