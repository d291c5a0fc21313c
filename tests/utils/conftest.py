"""Parity helper for tests/utils: run one call under mmengine and mmlight, compare outcomes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def outcome(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """``('ok', result)`` or ``('raised', exception type name, message)``."""
    try:
        return ("ok", func(*args, **kwargs))
    except Exception as err:
        return ("raised", type(err).__name__, str(err))


def _assert_same(
    ours: Callable[..., Any], theirs: Callable[..., Any], *args: Any, **kwargs: Any
) -> None:
    mine = outcome(ours, *args, **kwargs)
    reference = outcome(theirs, *args, **kwargs)
    if mine[0] == reference[0] == "raised" and mine[1] == reference[1]:
        # mmlight may say more, but keeps mmengine's words (a bare assert says nothing)
        assert reference[2] in mine[2], f"{args!r} {kwargs!r}: {mine[2]!r} lacks {reference[2]!r}"
        return
    assert mine == reference, f"{args!r} {kwargs!r}: mmlight {mine} != mmengine {reference}"


@pytest.fixture
def assert_same() -> Callable[..., None]:
    """``assert_same(mmlight_func, mmengine_func, *args)``: equal results, or the same
    exception type and message."""
    return _assert_same
