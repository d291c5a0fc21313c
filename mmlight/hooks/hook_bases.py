"""Which classes count as a runner hook's base: mmlight's ``Hook`` and those a bridge adds.

An installed mmengine's ``Hook`` has the same 22 mount points, the same ``priority`` attribute
and the same forwarding of epoch/iteration points to ``_before_epoch``/``_after_iter``, so its
subclasses (mmseg's ``SegVisualizationHook``, a repo's own hooks) run on mmlight's Runner as
they are. ``mmlight.bridge`` adds mmengine's base here once ``mmengine.hooks`` is imported; this
module imports nothing of it. The base also tells the runner which mount points a hook leaves
as the base's no-op (those are skipped: per-iteration points run thousands of times).
"""

from __future__ import annotations

from mmlight.hooks.hook import Hook
from mmlight.utils.accepted_bases import AcceptedBases

__all__ = [
    "BASES",
    "add_hook_base",
    "hook_base_of",
    "hook_bases",
    "is_hook",
    "remove_hook_base",
]

BASES = AcceptedBases(lambda: Hook)

#: mmlight's ``Hook`` first, then the bases bridges added.
hook_bases = BASES.all
#: Accept instances of a base (and its subclasses) as hooks.
add_hook_base = BASES.add
remove_hook_base = BASES.remove
#: Whether an object is a hook the runner can call directly.
is_hook = BASES.accepts
#: The accepted base an object derives from (mmlight's ``Hook`` when it derives from both).
hook_base_of = BASES.base_of
