"""mmengine ``Hook`` subclasses accepted wherever mmlight takes a hook.

mmengine's ``Hook`` (``mmengine.hooks.hook``) is added to ``mmlight.hooks.hook_bases`` as soon
as that module is imported: an mmengine hook object cannot exist before, and importing it here
would load mmengine's hooks (and what they import) into runs that never use one. The runner then
registers such a hook by its ``priority`` (mmengine's ``Priority`` members included) and calls
it at every mount point it overrides, with mmengine's arguments, in mmengine's order.
"""

from __future__ import annotations

import sys

from mmlight.bridge.import_watch import after_import, is_imported

__all__ = ["MMENGINE_HOOK_MODULE", "install", "uninstall"]

MMENGINE_HOOK_MODULE = "mmengine.hooks.hook"


def _accept_mmengine_hooks() -> None:
    # (imported here: mmlight.hooks loads every hook module, which activation must not pay for)
    from mmlight.hooks.hook_bases import add_hook_base

    add_hook_base(sys.modules[MMENGINE_HOOK_MODULE].Hook)


def install() -> None:
    """Accept mmengine's hooks once their base class is imported (now, if it is)."""
    after_import(MMENGINE_HOOK_MODULE, _accept_mmengine_hooks)


def uninstall() -> None:
    """mmlight's own hooks (and Lightning callbacks) only, again."""
    if is_imported(MMENGINE_HOOK_MODULE) and is_imported("mmlight.hooks.hook_bases"):
        from mmlight.hooks.hook_bases import remove_hook_base

        remove_hook_base(sys.modules[MMENGINE_HOOK_MODULE].Hook)
