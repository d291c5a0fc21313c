"""One current default scope for mmlight and an installed mmengine.

Downstream code sets mmengine's scope without going through mmlight: mmseg's
``register_all_modules()`` calls ``mmengine.registry.DefaultScope.get_instance(...,
scope_name='mmseg')``, mmengine's own ``overwrite_default_scope`` adds an instance for a block.
mmlight's lookups outside a Runner (``MODELS.build(dict(type='EncoderDecoder'))``, the
``BaseInferencer``) ask ``mmlight.registry.DefaultScope.get_current_instance()``; both packages
mean "the most recently created scope", so that question must see both tables.

How: mmlight's ``DefaultScope`` takes an ordering stamp when it is created and asks the socket
``set_foreign_scope`` for the other side's newest scope with its stamp; the newer one wins.
mmengine's instances get their stamps here, lazily: whenever mmlight looks (and always just
before mmlight creates a scope), every unstamped instance in mmengine's table is stamped, in
table order. An mmengine scope is therefore stamped after every mmlight scope created before it
and before every one created after it, which is the creation order across both tables, without
wrapping mmengine's classes or its instance table. Deep copies (mmengine's
``overwrite_default_scope`` restores copies) carry their stamp along.

The scope mmlight's Runner shares with mmengine (``run_globals.RunScope``) stands for mmlight's
own: when it is mmengine's newest, mmlight's own table answers.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from mmengine.registry import DefaultScope as MmengineDefaultScope
from mmengine.utils.manager import _lock as mmengine_lock

from mmlight.bridge.run_globals import RunScope
from mmlight.registry.default_scope import DefaultScope, creation_stamp, set_foreign_scope
from mmlight.utils.manager import ManagerMixin

__all__ = ["MmengineScope", "install", "newest_mmengine_scope", "uninstall"]

_STAMP = "_mmlight_created"

_views: weakref.WeakKeyDictionary[Any, MmengineScope] = weakref.WeakKeyDictionary()
_views_lock = threading.Lock()


class MmengineScope(DefaultScope):
    """mmlight's ``DefaultScope`` standing for one of mmengine's (its ``scope_name`` read live).

    Not entered in mmlight's instance table: mmengine's table is where it lives.
    """

    def __init__(self, name: str, theirs: Any) -> None:
        # not DefaultScope.__init__: that asks the foreign side, which is what made this view
        ManagerMixin.__init__(self, name)
        self._theirs = theirs
        self._scope_name = str(theirs.scope_name)
        self._created = int(getattr(theirs, _STAMP, -1))

    @property
    def scope_name(self) -> str:
        return str(self._theirs.scope_name)

    @property
    def mmengine_scope(self) -> Any:
        """The mmengine ``DefaultScope`` this stands for."""
        return self._theirs

    def __repr__(self) -> str:
        return f"<mmengine default scope {self.instance_name!r}: {self.scope_name!r}>"


def _view(theirs: Any) -> MmengineScope:
    with _views_lock:
        made = _views.get(theirs)
        if made is None:
            made = _views[theirs] = MmengineScope(str(theirs.instance_name), theirs)
        return made


def newest_mmengine_scope() -> tuple[int, DefaultScope] | None:
    """(stamp, mmlight view) of mmengine's current scope; None when it has none or it is the
    mmlight run's own (a :class:`RunScope`)."""
    with mmengine_lock:
        table = MmengineDefaultScope._instance_dict
        if not table:
            return None
        for instance in table.values():
            if getattr(instance, _STAMP, None) is None:
                setattr(instance, _STAMP, creation_stamp())
        newest = table[next(reversed(table))]
    if isinstance(newest, RunScope):
        return None
    return int(getattr(newest, _STAMP)), _view(newest)


def install() -> None:
    """Make mmengine's scopes part of mmlight's current-scope question."""
    set_foreign_scope(newest_mmengine_scope)


def uninstall() -> None:
    """mmlight's own table alone answers again."""
    set_foreign_scope(None)
