"""What to say when a checkpoint path names a folder.

A work_dir passed where a checkpoint file belongs is a common slip (``--resume work_dirs/exp``).
The message names the folder as one and lists the checkpoints it holds - its
``last_checkpoint`` target first - so the fix is a copy-and-paste away; files elsewhere are
never suggested.
"""

from __future__ import annotations

from mmlight.fileio import exists, get_text, is_local, join_path, list_dir_or_file

__all__ = ["CHECKPOINT_SUFFIXES", "checkpoints_in_folder", "folder_is_not_a_checkpoint"]

CHECKPOINT_SUFFIXES = (".pth", ".ckpt", ".pt")
_SHOWN = 8  # longer listings name the first ones and how many more


def checkpoints_in_folder(folder: str) -> tuple[str | None, list[str]]:
    """``(last_checkpoint's text or None, checkpoint files directly in folder, as joined
    paths)``; unreadable folders give ``(None, [])``."""
    pointer = join_path(folder, "last_checkpoint")
    last: str | None = None
    try:
        if exists(pointer):
            last = get_text(pointer).strip() or None
        names = sorted(list_dir_or_file(folder, list_dir=False, suffix=CHECKPOINT_SUFFIXES))
    except OSError:
        return last, []
    return last, [join_path(folder, name) for name in names]


def folder_is_not_a_checkpoint(subject: str, folder: str) -> str:
    """``"<subject> is a directory, not a checkpoint file; it holds ..."``.

    ``subject`` is how the caller names the value (``"--resume 'work_dirs/exp'"``,
    ``"checkpoint work_dirs/exp"``).
    """
    last, files = checkpoints_in_folder(folder)
    parts: list[str] = []
    if last is not None:
        parts.append(f"its last_checkpoint points at {last}")
    if files:
        shown = ", ".join(files[:_SHOWN])
        more = f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else ""
        parts.append(f"it holds {shown}{more}")
    if not parts:
        what = "it holds no checkpoint files (" + ", ".join(CHECKPOINT_SUFFIXES) + ")"
        return f"{subject} is a directory, not a checkpoint file; {what}"
    local = "" if is_local(folder) else " (fsspec)"
    return (
        f"{subject} is a directory{local}, not a checkpoint file; {'; '.join(parts)}. "
        "Give one of those files"
    )
