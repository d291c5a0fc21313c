"""Version strings as comparable tuples, and the current git commit (mmengine's version_utils)."""

from __future__ import annotations

import os
import subprocess
import warnings

__all__ = ["digit_version", "get_git_hash"]

# Pre-release kinds sort below the release they precede: a < b < rc < final.
_PRE_RELEASE_RANK = {"a": -3, "b": -2, "rc": -1}
# A pre-release without a/b/rc (``1.0.dev1``) sorts below all of them.
_OTHER_PRE_RELEASE = -4


def digit_version(version_str: str, length: int = 4) -> tuple[int, ...]:
    """``'1.2.3rc1'`` -> ``(1, 2, 3, 0, -1, 1)``: a tuple that compares like the versions do.

    The release is cut or zero-padded to ``length`` numbers, then two more say what kind of
    release it is: ``(rank, number)`` with rank -3/-2/-1 for a/b/rc, -4 for a dev-only
    pre-release, 1 for a post-release and 0 for a final release. Parsing follows
    ``packaging`` (PEP 440), so spellings such as ``1.0-alpha2`` normalise first.
    """
    from packaging.version import parse  # imported on first use: ~1 ms off `import mmlight`

    if "parrots" in version_str:
        raise AssertionError(f"parrots versions cannot be compared: {version_str!r}")
    version = parse(version_str)
    if not version.release:  # packaging always gives one; mmengine checks anyway
        raise AssertionError(f"failed to parse version {version_str}")
    release = list(version.release[:length])
    release += [0] * (length - len(release))
    if version.is_prerelease:
        if version.pre is None:
            release += [_OTHER_PRE_RELEASE, 0]
        else:
            kind, number = version.pre
            rank = _PRE_RELEASE_RANK.get(kind)
            if rank is None:  # packaging only yields a/b/rc; kept for safety
                warnings.warn(
                    f"unknown prerelease version {kind}, version checking may go wrong",
                    stacklevel=2,
                )
                rank = _OTHER_PRE_RELEASE
            release += [rank, number]
    elif version.is_postrelease:
        release += [1, int(version.post or 0)]
    else:
        release += [0, 0]
    return tuple(release)


def _run_with_c_locale(cmd: list[str]) -> bytes:
    """stdout of ``cmd`` run with a minimal environment, so git speaks plain English ASCII."""
    env = {key: os.environ[key] for key in ("SYSTEMROOT", "PATH", "HOME") if key in os.environ}
    env.update(LANGUAGE="C", LANG="C", LC_ALL="C")
    out, _ = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ).communicate()
    return out


def get_git_hash(fallback: str = "unknown", digits: int | None = None) -> str:
    """The commit hash of the git repository around the current directory.

    ``fallback`` when git cannot be run; an empty string outside any repository (git prints
    nothing then), as in mmengine. ``digits`` keeps only the first that many characters.
    """
    if digits is not None and not isinstance(digits, int):
        raise TypeError("digits must be None or an integer")
    try:
        sha = _run_with_c_locale(["git", "rev-parse", "HEAD"]).strip().decode("ascii")
    except OSError:
        return fallback
    return sha if digits is None else sha[:digits]
