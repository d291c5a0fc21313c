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

The other way, mmengine's builders (mmcv's ``Compose``, ``build_norm_layer``, a package's
``MODELS.build``) ask ``mmengine.registry.DefaultScope.get_current_instance()``. Outside a run
nothing puts mmlight's scope in mmengine's table (a migrated package's ``init_default_scope``,
``DefaultScope.overwrite_default_scope`` in mmlight's builders), and an entry put there could
not follow mmlight's restores. So, while the bridge is installed, that one classmethod of
mmengine's ``DefaultScope`` (not of its subclasses) answers the same question with the same
stamps: mmengine's newest unless mmlight's own newest is newer, which is then returned as an
mmengine ``DefaultScope`` (:class:`MmlightScope`; ``'mmlight'`` reads ``'mmengine'``). Only
the answer changes, and only when mmlight has the newer scope; ``uninstall`` puts mmengine's
method back.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from mmengine.registry import DefaultScope as MmengineDefaultScope
from mmengine.utils.manager import _lock as mmengine_lock

from mmlight.bridge.run_globals import RunScope, mmengine_scope_name
from mmlight.registry.default_scope import DefaultScope, creation_stamp, set_foreign_scope
from mmlight.utils.manager import ManagerMixin
from mmlight.utils.manager import _lock as mmlight_lock

__all__ = ["MmengineScope", "MmlightScope", "install", "newest_mmengine_scope", "uninstall"]

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


def _newest_stamped() -> Any:
    """mmengine's newest ``DefaultScope`` entry (None: none), every entry stamped first."""
    with mmengine_lock:
        table = MmengineDefaultScope._instance_dict
        if not table:
            return None
        for instance in table.values():
            if getattr(instance, _STAMP, None) is None:
                setattr(instance, _STAMP, creation_stamp())
        return table[next(reversed(table))]


def newest_mmengine_scope() -> tuple[int, DefaultScope] | None:
    """(stamp, mmlight view) of mmengine's current scope; None when it has none or it is the
    mmlight run's own (a :class:`RunScope`)."""
    newest = _newest_stamped()
    if newest is None or isinstance(newest, RunScope):
        return None
    return int(getattr(newest, _STAMP)), _view(newest)


class MmlightScope(MmengineDefaultScope):
    """mmengine's ``DefaultScope`` standing for one of mmlight's (``scope_name`` read live,
    mmlight's root scope as ``'mmengine'``). Not entered in mmengine's instance table."""

    def __init__(self, name: str, ours: DefaultScope) -> None:
        super().__init__(name, scope_name=mmengine_scope_name(ours.scope_name))
        self._ours = ours

    @property
    def scope_name(self) -> str:
        return mmengine_scope_name(self._ours.scope_name)

    def __deepcopy__(self, memo: dict) -> MmlightScope:
        return self


_for_mmengine: weakref.WeakKeyDictionary[DefaultScope, MmlightScope] = weakref.WeakKeyDictionary()


def _mmlights_own_newest() -> DefaultScope | None:
    with mmlight_lock:
        table = DefaultScope._instance_dict
        return table[next(reversed(table))] if table else None


def _current_for_mmengine(cls: type) -> Any:
    """mmengine's ``DefaultScope.get_current_instance``, over both tables (see module doc)."""
    if cls is not MmengineDefaultScope:  # a subclass's own table: mmengine's answer
        return _original_current.__get__(None, cls)()
    theirs = _newest_stamped()
    ours = _mmlights_own_newest()
    if ours is None:
        return theirs
    if theirs is not None and int(getattr(theirs, _STAMP)) > getattr(ours, "_created", -1):
        return theirs
    with _views_lock:
        made = _for_mmengine.get(ours)
        if made is None:
            made = _for_mmengine[ours] = MmlightScope(ours.instance_name, ours)
        return made


_original_current: Any = vars(MmengineDefaultScope)["get_current_instance"]


def install() -> None:
    """One current scope: each side's ``get_current_instance`` sees the other's scopes."""
    set_foreign_scope(newest_mmengine_scope)
    MmengineDefaultScope.get_current_instance = classmethod(_current_for_mmengine)


def uninstall() -> None:
    """Each side's own table alone answers again."""
    set_foreign_scope(None)
    MmengineDefaultScope.get_current_instance = _original_current
