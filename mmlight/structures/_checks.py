"""The one way structures signal a broken precondition.

mmengine's data structures use ``assert`` and downstream tests expect ``AssertionError``; raising
it explicitly keeps that contract when Python runs with ``-O`` (which strips ``assert``).
"""

from __future__ import annotations

__all__ = ["require"]


def require(condition: object, message: str = "") -> None:
    """Raise ``AssertionError(message)`` unless ``condition`` is truthy."""
    if not condition:
        raise AssertionError(message)
