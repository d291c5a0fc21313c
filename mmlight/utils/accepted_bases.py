"""The classes a kind of component may derive from: mmlight's own base, plus those a bridge adds.

An installed mmengine's ``Hook``, ``Evaluator`` and ``_ParamScheduler`` have the life cycle of
mmlight's, so their subclasses can run on mmlight's Runner as they are. The runner's type
checks therefore ask an :class:`AcceptedBases` instead of ``isinstance(obj, <mmlight class>)``;
``mmlight.bridge`` adds mmengine's class once its module is imported. Nothing here imports
mmengine, and mmlight's own base is imported only when first asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["AcceptedBases"]


class AcceptedBases:
    """mmlight's base for one kind of component (``own`` returns it), then the added ones."""

    def __init__(self, own: Callable[[], type]) -> None:
        self._own = own
        self._added: tuple[type, ...] = ()
        self._lock = threading.Lock()

    def all(self) -> tuple[type, ...]:
        """mmlight's base first, then the added bases in the order they were added."""
        return (self._own(), *self._added)

    def added(self) -> tuple[type, ...]:
        """The bases a bridge added (not mmlight's own)."""
        return self._added

    def add(self, base: type) -> None:
        """Accept instances of ``base`` (and its subclasses) too."""
        with self._lock:
            if base not in self._added and base is not self._own():
                self._added = (*self._added, base)

    def remove(self, base: type) -> None:
        """Undo :meth:`add`."""
        with self._lock:
            self._added = tuple(b for b in self._added if b is not base)

    def accepts(self, obj: object) -> bool:
        """Whether ``obj`` derives from one of the bases."""
        return isinstance(obj, self.all())

    def base_of(self, obj: object) -> type | None:
        """The first base ``obj`` derives from (mmlight's own when it derives from several)."""
        for base in self.all():
            if isinstance(obj, base):
                return base
        return None
