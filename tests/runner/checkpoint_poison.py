"""Plain-data checkpoints that carry code: shared by the checkpoint attack tests.

Everything written here loads with a bare ``torch.load(weights_only=True)`` (no allow-list),
so ``check_checkpoint_safe`` passes it: the attack is in the *strings*. Each payload creates a
marker file if anything executes it, imports it, or parses it as a Python config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

__all__ = ["PROBE_MODULE", "config_payload", "payloads", "plant_probe_module", "poison"]

# A module that touches the marker when imported: any import of a name from the file shows.
PROBE_MODULE = "mmlight_pwn_probe"


def plant_probe_module(folder: Path, marker: Path) -> None:
    """Write ``PROBE_MODULE`` into ``folder`` (the caller puts it on sys.path)."""
    (folder / f"{PROBE_MODULE}.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('imported')\n"
        "def touch(*args, **kwargs):\n"
        f"    pathlib.Path({str(marker)!r}).write_text('called')\n"
    )


def config_payload(marker: Path) -> str:
    """A ``.py`` config whose parsing creates ``marker``; it also names ``gpu_ids``."""
    return (
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('executed')\n"
        "gpu_ids = range(0, 1)\n"
    )


def payloads(marker: Path) -> list[str]:
    """Code, templates, dotted names and import requests, as strings."""
    code = config_payload(marker)
    return [
        code,
        "{{ " + f"__import__('pathlib').Path({str(marker)!r}).write_text('template')" + " }}",
        "{{_base_.model}}",
        "{{$HOME}}",
        PROBE_MODULE,
        f"{PROBE_MODULE}.touch",
        "posix.system",
        "os.system",
        "builtins.exec",
        f"custom_imports = dict(imports=[{PROBE_MODULE!r}])\n",
        f"dict(type='{PROBE_MODULE}.touch', _scope_='{PROBE_MODULE}')",
    ]


def _poison_dict(target: dict, strings: list[str], marker: Path) -> None:
    """Add every payload under its own key, plus the keys that mean "build/import" elsewhere."""
    for index, text in enumerate(strings):
        target[f"pwn_{index}"] = text
    target["type"] = f"{PROBE_MODULE}.touch"
    target["_scope_"] = PROBE_MODULE
    target["custom_imports"] = dict(imports=[PROBE_MODULE], allow_failed_imports=False)
    target["cfg_text"] = config_payload(marker)


def poison(checkpoint: dict[str, Any], marker: Path, everywhere: bool = True) -> dict[str, Any]:
    """``checkpoint`` (as ``torch.load`` returned it) with payloads in its string fields.

    ``everywhere=False`` plants only ``meta['config']`` (an mmcv-style config text).
    """
    meta = checkpoint.setdefault("meta", {})
    meta["config"] = config_payload(marker)
    if not everywhere:
        return checkpoint
    strings = payloads(marker)
    meta["cfg"] = config_payload(marker)
    meta["experiment_name"] = f"{PROBE_MODULE}.touch"
    meta["mmengine_version"] = f"{PROBE_MODULE}.touch"
    meta["time"] = strings[1]
    meta["dataset_meta"] = dict(classes=tuple(strings), palette=list(strings))
    _poison_dict(meta["dataset_meta"], strings, marker)
    _poison_dict(meta, strings, marker)

    hub = checkpoint.get("message_hub")
    if isinstance(hub, dict):
        info = hub.setdefault("runtime_info", {})
        _poison_dict(info, strings, marker)
        info["cfg"] = config_payload(marker)
        info["experiment_name"] = f"{PROBE_MODULE}.touch"
        for key in list(info):
            hub.setdefault("resumed_keys", {})[key] = True

    optimizer = checkpoint.get("optimizer")
    if isinstance(optimizer, dict):
        for group in optimizer.get("param_groups", []):
            group["name"] = f"{PROBE_MODULE}.touch"
            group["pwn"] = config_payload(marker)

    schedulers = checkpoint.get("param_schedulers")
    for state in schedulers if isinstance(schedulers, list) else []:
        _poison_dict(state, strings, marker)

    for hook_key in ("ema_state_dict", "callbacks", "hook_state"):
        holder: dict[str, Any] = {}
        _poison_dict(holder, strings, marker)
        if hook_key == "ema_state_dict":
            continue  # a wrong EMA state would only be a shape error; keep the run going
        checkpoint[hook_key] = {f"{PROBE_MODULE}.touch": holder}
    state_dict = checkpoint.get("state_dict")
    if isinstance(state_dict, dict):
        state_dict[f"{PROBE_MODULE}.touch"] = torch.zeros(1)
    return checkpoint
