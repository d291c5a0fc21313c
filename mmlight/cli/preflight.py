"""Checks a command line can make in milliseconds, before torch, Lightning or any user module loads.

A checkpoint path that is missing or a folder, and a work_dir that cannot be written, are
mistakes in what the user typed; reporting them after the model and data were built (tens of
seconds on a laptop) wastes the user's time. Only local paths are checked here: a URL is the
loader's to judge, and a checkpoint's contents are checked later by the safe loader.
"""

from __future__ import annotations

import os
import os.path as osp
import tempfile

from mmlight.cli.errors import CLIError

__all__ = ["check_checkpoint_path", "check_work_dir"]


def _is_url(path: str) -> bool:
    return "://" in path


def check_checkpoint_path(path: str, flag: str) -> None:
    """``path`` names an existing file (not a folder); else a CLIError with a did-you-mean."""
    if _is_url(path):
        return
    if osp.isdir(path):
        from mmlight.runner.checkpoint_folder import folder_is_not_a_checkpoint

        raise CLIError(folder_is_not_a_checkpoint(f"{flag} {path!r}", path))
    if osp.isfile(path):
        if not os.access(path, os.R_OK):
            raise CLIError(f"{flag} {path!r} is not readable (permission denied)")
        return
    hint = ""
    folder = osp.dirname(path) or "."
    if osp.isdir(folder):
        found = sorted(f for f in os.listdir(folder) if f.endswith((".pth", ".ckpt", ".pt")))
        if found:
            from mmlight.config.errors import did_you_mean

            hint = did_you_mean(osp.basename(path), found)
    raise CLIError(f"{flag} {path!r} does not exist.{hint}")


def check_work_dir(work_dir: object, flag: str) -> None:
    """The work_dir exists as a writable folder, or its nearest existing parent is one."""
    if not isinstance(work_dir, str) or _is_url(work_dir):
        return  # a wrong type is the Runner's to report; a URL the filesystem's
    path = osp.abspath(osp.expanduser(work_dir))
    if osp.exists(path) and not osp.isdir(path):
        raise CLIError(f"{flag} {work_dir!r} is a file, not a folder: choose a folder path")
    existing = path
    while not osp.exists(existing):
        parent = osp.dirname(existing)
        if parent == existing:
            break
        existing = parent
    if not osp.isdir(existing):
        raise CLIError(
            f"{flag} {work_dir!r} cannot be created: {existing!r} is a file, not a folder"
        )
    try:  # os.access says yes to root on read-only or virtual filesystems: try for real
        probe = tempfile.mkdtemp(prefix=".mmlight-probe-", dir=existing)
    except OSError as error:
        what = "is not writable" if existing == path else f"cannot be created in {existing!r}"
        reason = error.strerror or type(error).__name__
        raise CLIError(
            f"{flag} {work_dir!r} {what} ({reason}); choose a folder you can write to, "
            "e.g. --work-dir ./work_dirs/<name>"
        ) from None
    os.rmdir(probe)
