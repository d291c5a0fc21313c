"""mmlight's version, and the tuple form mmengine exposes as ``version_info``."""

from __future__ import annotations

__all__ = ["__version__", "parse_version_info", "version_info"]

__version__ = "0.1.0"


def parse_version_info(version_str: str) -> tuple[int | str, ...]:
    """Split ``'2.0.0rc4'`` into ``(2, 0, 0, 'rc4')``, as mmengine's ``version_info`` reads.

    Numeric parts become ints; a part carrying a release candidate contributes its number and
    then ``'rcN'``. Other parts (``dev``, local labels) are left out, like mmengine does.
    """
    parts: list[int | str] = []
    for part in version_str.split("."):
        if part.isdigit():
            parts.append(int(part))
        elif "rc" in part:
            number, _, candidate = part.partition("rc")
            parts.append(int(number))
            parts.append(f"rc{candidate}")
    return tuple(parts)


version_info = parse_version_info(__version__)
