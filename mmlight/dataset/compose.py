"""``Compose``: run a list of transforms in order, stopping at the first None."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mmlight.registry import TRANSFORMS

__all__ = ["Compose"]


class Compose:
    """Chain transforms given as callables or TRANSFORMS config dicts.

    A transform returns None when it cannot produce a usable sample (a broken image, no valid
    crop); the chain then returns None at once, and ``BaseDataset`` fetches another sample.
    """

    def __init__(self, transforms: Sequence[dict | Callable] | None) -> None:
        self.transforms: list[Callable] = []
        for position, transform in enumerate(transforms or []):
            if isinstance(transform, dict):
                built = TRANSFORMS.build(transform)
                if not callable(built):
                    raise TypeError(
                        f"transform should be a callable object, but pipeline[{position}] "
                        f"(type={transform.get('type')!r}) built a {type(built).__name__}, "
                        "which has no __call__"
                    )
                self.transforms.append(built)
            elif callable(transform):
                self.transforms.append(transform)
            else:
                raise TypeError(
                    "transform must be a callable object or dict, but pipeline"
                    f"[{position}] is a {type(transform).__name__}: {transform!r}"
                )

    def __call__(self, data: Any) -> Any:
        for transform in self.transforms:
            data = transform(data)
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        lines = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({lines}\n)"
