"""Reading and writing checkpoints with ``mmengine.runner.checkpoint``'s functions.

Differences that matter:

* Loading never runs pickled code: ``torch.load(weights_only=True)`` with an allow-list
  (:func:`mmlight.runner.safe_checkpoint.checkpoint_safe_globals`) that also covers what
  mmengine's own checkpoints contain. A file that needs anything else is refused with
  :class:`UnsafeCheckpointError` unless the caller passes ``unsafe_load=True``.
* What a file's data makes the loader allocate is bounded by the file's size (one
  :func:`~mmlight.logging.alloc_budget.allocation_budget` per load, covering the unpickling,
  what torch's own allow-list would allocate, found by simulating the pickle first
  (:mod:`mmlight.runner.allocation_scan`), and the decoding of mmlight's tagged values), and
  restored history buffers are checked: a file that asks for more, or sets attributes a
  buffer does not have, is refused with :class:`CheckpointDataRefusedError`. numpy arrays
  come back as plain ``numpy.ndarray``.
* Writing is atomic (temporary file, then rename) and stores only objects such a load reads
  back; see :mod:`mmlight.runner.safe_checkpoint`.
* Sources are mmengine's: local paths, fsspec URLs (``memory://``, ``s3://`` ...), ``http(s)://``
  (cached in torch.hub's folder) and the model-zoo schemes (``torchvision://``,
  ``open-mmlab://``, ``mmcls://``, ``pavi://``), all found by
  :class:`~mmlight.runner.checkpoint_loader.CheckpointLoader` and all read as above.
"""

from __future__ import annotations

import io
import logging
import pickle
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NamedTuple

import torch
from torch import nn

from mmlight.fileio import atomic_write, exists, get_text, is_local, isfile, join_path, url_to_fs
from mmlight.logging import print_log
from mmlight.logging.alloc_budget import REFUSAL_PREFIX, allocation_budget, limit_for_size
from mmlight.logging.safe_types import as_plain_numpy
from mmlight.runner.checkpoint_loader import (
    CheckpointLoader,
    load_from_ceph,
    load_from_http,
    load_from_local,
    load_from_mmcls,
    load_from_openmmlab,
    load_from_pavi,
    load_from_torchvision,
    load_options,
)
from mmlight.runner.model_zoo import (
    get_deprecated_model_names,
    get_external_models,
    get_mmcls_models,
    get_torchvision_models,
    mmengine_home,
)
from mmlight.runner.safe_checkpoint import checkpoint_safe_globals, decode_safe, encode_safe

__all__ = [
    "CheckpointDataRefusedError",
    "CheckpointLoader",
    "CheckpointNotFoundError",
    "CheckpointPrefixError",
    "CheckpointStateDictError",
    "NotACheckpointError",
    "UnsafeCheckpointError",
    "UnsupportedCheckpointSchemeError",
    "check_checkpoint_safe",
    "find_latest_checkpoint",
    "get_deprecated_model_names",
    "get_external_models",
    "get_mmcls_models",
    "get_state_dict",
    "get_torchvision_models",
    "load_checkpoint",
    "load_from_ceph",
    "load_from_http",
    "load_from_local",
    "load_from_mmcls",
    "load_from_openmmlab",
    "load_from_pavi",
    "load_from_torchvision",
    "load_state_dict",
    "save_checkpoint",
    "shape_mismatches",
    "weights_to_cpu",
]

_get_mmengine_home = mmengine_home  # mmengine's name here
DEFAULT_REVISE_KEYS: list[tuple[str, str]] = [(r"^module\.", "")]
_UNSUPPORTED_SCHEMES = (
    "torchvision://", "open-mmlab://", "openmmlab://", "modelzoo://", "mmcls://", "pavi://",
)


class CheckpointNotFoundError(FileNotFoundError):
    """The checkpoint path does not exist."""


class NotACheckpointError(ValueError):
    """The file exists but is not a readable torch checkpoint (truncated, text, ...).

    ``reason`` is what went wrong, without the file name (for callers that word their own).
    """

    reason: str = ""


class UnsupportedCheckpointSchemeError(ValueError):
    """A model-zoo URL scheme mmlight does not download from."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """The checkpoint's pickle references a global outside the allow-list.

    ``offending`` names the first such global the load met.
    """

    offending: str | None = None


class CheckpointDataRefusedError(UnsafeCheckpointError):
    """The checkpoint's data asks for more memory than the file's size can justify, or
    restores an object (a ``HistoryBuffer``, a numpy dtype) with a state it cannot have.

    ``reason`` is what was refused, without the file name (for callers that word their own).
    """

    reason: str = ""


class CheckpointPrefixError(ValueError, AssertionError):
    """No key of the checkpoint starts with the requested prefix (mmengine asserts)."""


class CheckpointStateDictError(RuntimeError):
    """Weights that do not fit the model under ``strict=True``, or no state dict at all."""


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


# ---------------------------------------------------------------------------------- loading
@contextmanager
def _open_binary(filename: str) -> Iterator[IO[bytes]]:
    """``filename`` (a local path or an fsspec URL) opened for reading bytes."""
    if is_local(filename):
        with open(filename, "rb") as stream:
            yield stream
        return
    fs, path = url_to_fs(filename)
    with fs.open(path, "rb") as stream:
        yield stream


def _read(filename: str, map_location: Any, unsafe_load: bool, decode: bool = False) -> Any:
    with _open_binary(filename) as stream:
        return _budgeted_load(stream, filename, map_location, unsafe_load, decode)


def _budgeted_load(
    stream: IO[bytes], filename: str, map_location: Any, unsafe_load: bool, decode: bool
) -> Any:
    """Load (and ``decode``, see :func:`decode_safe`) within one allocation budget for the
    whole file: however its data is spread over objects, together they stay bounded."""
    size = _stream_size(stream)
    try:
        with allocation_budget(limit_for_size(size), f"a file of {size} bytes"):
            if not unsafe_load:  # an unsafe load runs the pickle's code anyway
                _charge_torch_allocations(stream)
            checkpoint = _torch_load(stream, filename, map_location, unsafe_load)
            return decode_safe(checkpoint) if decode else checkpoint
    except pickle.UnpicklingError as error:  # refused while decoding (the load wraps its own)
        if isinstance(error, UnsafeCheckpointError) or REFUSAL_PREFIX not in str(error):
            raise
        raise _refused_data(filename, str(error)) from error


def _charge_torch_allocations(stream: IO[bytes]) -> None:
    """Charge what torch's own allow-listed callables would allocate for the file's pickle
    (mmlight cannot replace them), refusing before anything runs; see
    :mod:`mmlight.runner.allocation_scan`. A stream that cannot seek is left to torch.load,
    which refuses it."""
    from mmlight.runner.allocation_scan import charge_pickle_allocations

    try:
        charge_pickle_allocations(stream)
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return


def _stream_size(stream: IO[bytes]) -> int:
    """The stream's size in bytes (local files and fsspec files can all seek); 0 for one that
    cannot seek, which torch.load refuses anyway."""
    try:
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END)
        stream.seek(start)
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return 0
    return size


def _torch_load(stream: IO[bytes], filename: str, map_location: Any, unsafe_load: bool) -> Any:
    if unsafe_load:
        warnings.warn(
            f"loading {filename} with unsafe_load=True: its pickle may run arbitrary code; do "
            "this only for files from a source you trust",
            stacklevel=5,
        )
        return torch.load(stream, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            loaded = torch.load(stream, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if REFUSAL_PREFIX in str(error):
            raise _refused_data(filename, str(error)) from error
        offending = _refused_object(str(error))
        if offending is None:
            offending = _first_refused_statically(stream)
        if offending is None:
            reason = f"its pickle cannot be parsed: {_unpickler_detail(str(error))}"
            raise _not_a_checkpoint(filename, reason) from error
        refused = UnsafeCheckpointError(
            f"refusing to load {filename}: its pickle references {offending}, which is not "
            "allowed in a weights_only load (loading it could run arbitrary code). If you "
            "trust this file, load it with unsafe_load=True (command line: --unsafe-load); "
            "or, to allow a harmless class, add it with "
            "torch.serialization.add_safe_globals([...])."
        )
        refused.offending = offending
        raise refused from error
    except (RuntimeError, EOFError, KeyError, ValueError, OSError) as error:
        reason = _cut_short(stream) or f"{type(error).__name__}: {_first_sentence(str(error))}"
        raise _not_a_checkpoint(filename, reason) from error
    return as_plain_numpy(loaded)


def _refused_data(filename: str, message: str) -> CheckpointDataRefusedError:
    """The refusal of a guard in mmlight.logging, found in ``message`` (torch may have wrapped
    it in its own advice, which would be wrong here: loading the file unsafely would do the
    very thing the guard refused)."""
    detail = message.partition(REFUSAL_PREFIX)[2].splitlines()[0].strip()
    refused = CheckpointDataRefusedError(f"refusing to load {filename}: {detail}")
    refused.reason = detail
    return refused


def _first_refused_statically(stream: IO[bytes]) -> str | None:
    """The first refused global of a pickle torch's unpickler stopped reading early (at an
    opcode it does not support, as in protocol 0/1/4/5 files), found by parsing its opcodes:
    nothing in it is created or called. None when every global it names is allowed."""
    from mmlight.runner.pickle_scan import globals_in_checkpoint, refused_globals

    try:
        names = globals_in_checkpoint(stream)
    except (OSError, ValueError):  # a stream that cannot seek back: nothing more to learn
        return None
    refused = refused_globals(names, checkpoint_safe_globals())
    return refused[0] if refused else None


# Why a file that is not a checkpoint is not one; the same words on every path to it.
UNREADABLE_HINT = "it may be truncated (a save cut short) or not a file written by torch.save"


def _not_a_checkpoint(filename: str, reason: str) -> NotACheckpointError:
    error = NotACheckpointError(
        f"{filename} is not a readable checkpoint ({reason}); {UNREADABLE_HINT}"
    )
    error.reason = reason
    return error


def _cut_short(stream: IO[bytes]) -> str | None:
    """Why torch could not open a zip checkpoint, when the reason is that its end is missing
    (torch then says only "Invalid argument" or "failed finding central directory")."""
    import zipfile

    try:
        stream.seek(0)
        if stream.read(4) != b"PK\x03\x04" or zipfile.is_zipfile(stream):
            return None
    except (OSError, ValueError):
        return None
    return "a zip archive, torch's format, without its closing directory: the file was cut short"


def _first_sentence(message: str, limit: int = 300) -> str:
    """The first sentence of an error message (torch appends paragraphs of advice), cut at a
    word boundary and marked with '...' only if that sentence alone exceeds ``limit``."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = lines[0] if lines else "no reason given"
    sentence = re.split(r"(?<=\w)\.\s", text, maxsplit=1)[0].rstrip(".")
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + " ..."


# What torch's weights_only unpickler says when it meets an object it will not create; every
# other UnpicklingError it raises (unknown opcodes, bad stack) means the bytes are no pickle.
_REFUSAL_PATTERNS = (
    re.compile(r"GLOBAL ([\w.]+)"),
    re.compile(r"(?:Can only create new object|Can only build)[^<]*but got <class '([\w.]+)'>"),
    re.compile(r"reduce for unrecognized function (.+?)(?: which belongs|$)", re.MULTILINE),
    re.compile(r"``([\w.]+)`` must be imported to load"),
)


def _refused_object(message: str) -> str | None:
    """The global a weights_only load refused, or None when the pickle itself is broken."""
    for pattern in _REFUSAL_PATTERNS:
        found = pattern.search(message)
        if found:
            return found.group(1).strip()
    return None


def _unpickler_detail(message: str) -> str:
    """The unpickler's own reason, without torch's advice to retry with weights_only=False
    (wrong advice for a file that is not a pickle at all)."""
    _, marker, rest = message.partition("WeightsUnpickler error:")
    detail = rest.split("Check the documentation")[0] if marker else message
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    return lines[0] if lines else "no reason given"


def _load_checkpoint(
    filename: str | Path,
    map_location: Any = None,
    logger: Any = None,
    unsafe_load: bool = False,
    decode: bool = False,
) -> Any:
    """Read a checkpoint from wherever its scheme says (:class:`CheckpointLoader`), never
    unpickling code unless ``unsafe_load``; ``decode`` rebuilds the values mmlight stored in
    tagged form (:func:`decode_safe`). ``logger`` receives the line naming the loader."""
    with load_options(unsafe_load=unsafe_load, decode=decode):
        return CheckpointLoader.load_checkpoint(filename, map_location, logger)


def _load_checkpoint_with_prefix(
    prefix: str, filename: str | Path, map_location: Any = None
) -> dict[str, Any]:
    """The weights under ``prefix.`` in ``filename``'s state dict, with the prefix removed."""
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    state_dict = checkpoint.get("state_dict", checkpoint)
    return _with_prefix(state_dict, prefix, str(filename))


def _with_prefix(state_dict: Mapping[str, Any], prefix: str, filename: str) -> dict[str, Any]:
    """The entries of ``state_dict`` under ``prefix.``, renamed without it; an error naming
    the file's top-level prefixes when there are none."""
    if not prefix.endswith("."):
        prefix += "."
    selected = {key[len(prefix):]: value for key, value in state_dict.items()
                if key.startswith(prefix)}
    if not selected:
        tops = sorted({str(key).split(".", 1)[0] + "." for key in state_dict})
        raise CheckpointPrefixError(
            f"{prefix} is not in the pretrained model: {filename} has no keys starting with "
            f"prefix {prefix!r}; top-level prefixes in the file: {tops}"
        )
    return selected


def _checked_source(filename: str | Path) -> str:
    """``filename`` as a string, once it is known to name a file mmlight can read."""
    name = str(filename)
    if name.startswith(_UNSUPPORTED_SCHEMES):
        raise UnsupportedCheckpointSchemeError(
            f"cannot read {name} as a file: it is a name in one of the model-zoo schemes "
            f"({', '.join(_UNSUPPORTED_SCHEMES)}), which load_checkpoint resolves and "
            "downloads (CheckpointLoader); pass the downloaded file's path here"
        )
    if not name.startswith(("http://", "https://")):
        if not exists(name):
            raise CheckpointNotFoundError(
                f"checkpoint {name} does not exist ({name} can not be found.)"
            )
        if not isfile(name):
            from mmlight.runner.checkpoint_folder import folder_is_not_a_checkpoint

            raise CheckpointNotFoundError(folder_is_not_a_checkpoint(f"checkpoint {name}", name))
    return name


def check_checkpoint_safe(filename: str | Path) -> list[str]:
    """The globals in ``filename``'s pickle that mmlight's allow-list refuses (empty: safe).

    Lets a caller decide before loading, e.g. a CLI that wants ``--unsafe-load`` spelled out.
    Nothing is unpickled that the allow-list refuses and no tensor data is read (the probe
    loads onto the ``meta`` device). A zip checkpoint is also scanned statically, so every
    offending global is listed, not just the first one the probe met. Raises
    :class:`CheckpointNotFoundError` or :class:`NotACheckpointError` for a file that is not
    there or not a checkpoint, and :class:`CheckpointDataRefusedError` for one whose data
    asks for more than its size justifies (no allow-list entry would make that safe).
    """
    name = _checked_source(filename)
    try:
        _read(name, "meta", unsafe_load=False)
    except CheckpointDataRefusedError:
        raise
    except UnsafeCheckpointError as error:
        return _scan_globals(name) or [error.offending or "an object outside the allow-list"]
    return []


def _scan_globals(filename: str) -> list[str]:
    """Every refused global a static scan finds (nothing is unpickled): torch's own scan for
    the zip format, mmlight's opcode scan where torch's stops (legacy format, protocols 0, 1,
    4 and 5); [] when neither can read the file (the probe's answer then stands)."""
    from mmlight.runner.pickle_scan import globals_in_checkpoint, refused_globals

    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()), \
                _open_binary(filename) as stream:
            found = torch.serialization.get_unsafe_globals_in_checkpoint(stream)
        return sorted(found)
    except Exception:  # legacy format, or opcodes torch's scan does not know
        pass
    try:
        with _open_binary(filename) as stream:
            names = globals_in_checkpoint(stream)
    except (OSError, ValueError):
        return []
    return sorted(set(refused_globals(names, checkpoint_safe_globals())))


def _unwrap(module: nn.Module) -> nn.Module:
    from mmlight.model import BaseTTAModel, is_model_wrapper

    while is_model_wrapper(module) or isinstance(module, BaseTTAModel):
        inner = getattr(module, "module", None)
        if not isinstance(inner, nn.Module):
            break
        module = inner
    return module


def load_state_dict(
    module: nn.Module,
    state_dict: Mapping[str, Any],
    strict: bool = False,
    logger: Any = None,
    *,
    source: str | Path | None = None,
) -> None:
    """Load weights tolerantly: report missing and unexpected keys, raise only if ``strict``.

    Model wrappers are looked through at every level, so a ``module.``-free state dict fits a
    wrapped model. ``num_batches_tracked`` buffers do not count as missing. ``source`` (the
    checkpoint's path) is named in the report.
    """
    from mmlight.dist import get_rank

    metadata = getattr(state_dict, "_metadata", None)
    missing: list[str] = []
    unexpected: list[str] = []
    errors: list[str] = []

    def visit(mod: nn.Module, local: dict[str, Any], prefix: str) -> None:
        mod = _unwrap(mod)
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        mod._load_from_state_dict(
            local, prefix, local_metadata, True, missing, unexpected, errors
        )
        for name, child in mod._modules.items():
            if child is not None:
                child_prefix = f"{prefix}{name}."
                visit(child, {k: v for k, v in local.items() if k.startswith(child_prefix)},
                      child_prefix)
        report = _IncompatibleKeys(missing, unexpected)
        for hook in getattr(mod, "_load_state_dict_post_hooks", {}).values():
            hook(mod, report)

    visit(module, dict(state_dict), "")
    missing = [key for key in missing if "num_batches_tracked" not in key]
    if unexpected:
        errors.append(f"unexpected key in source state_dict: {', '.join(unexpected)}\n")
    if missing:
        errors.append(f"missing keys in source state_dict: {', '.join(missing)}\n")
    if errors and get_rank() == 0:
        origin = "" if source is None else f" (checkpoint {source})"
        message = "\n".join(
            [f"The model and loaded state dict do not match exactly{origin}\n", *errors]
        )
        if strict:
            raise CheckpointStateDictError(message)
        print_log(message, logger=logger, level=logging.WARNING)


def _load_checkpoint_to_model(
    model: nn.Module,
    checkpoint: Mapping[str, Any],
    strict: bool = False,
    logger: Any = None,
    revise_keys: list[tuple[str, str]] | None = None,
    source: str | Path | None = None,
) -> Mapping[str, Any]:
    state_dict = checkpoint.get("state_dict", checkpoint)
    metadata = getattr(state_dict, "_metadata", OrderedDict())
    revised: Any = OrderedDict(
        (_revised_key(key, revise_keys), value) for key, value in state_dict.items()
    )
    revised._metadata = metadata
    load_state_dict(model, revised, strict, logger, source=source)
    return checkpoint


def _revised_key(key: str, revise_keys: list[tuple[str, str]] | None) -> str:
    """``key`` after every ``(pattern, replacement)`` of ``revise_keys`` (mmengine's default:
    strip a leading ``module.``), applied in order."""
    for pattern, replacement in DEFAULT_REVISE_KEYS if revise_keys is None else revise_keys:
        key = re.sub(pattern, replacement, key)
    return key


def shape_mismatches(
    model: nn.Module,
    state_dict: Mapping[str, Any],
    revise_keys: list[tuple[str, str]] | None = None,
) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """``(key, shape in state_dict, shape in model)`` for every weight both hold with
    different shapes (keys revised as loading revises them, wrappers looked through)."""
    own = get_state_dict(model)
    found = []
    for key, value in state_dict.items():
        key = _revised_key(key, revise_keys)
        mine = own.get(key)
        if isinstance(value, torch.Tensor) and isinstance(mine, torch.Tensor) \
                and value.shape != mine.shape:
            found.append((key, tuple(value.shape), tuple(mine.shape)))
    return found


def load_checkpoint(
    model: nn.Module,
    filename: str | Path,
    map_location: Any = None,
    strict: bool = False,
    logger: Any = None,
    revise_keys: list[tuple[str, str]] | None = None,
    unsafe_load: bool = False,
) -> Any:
    """Load ``filename``'s weights into ``model``; returns the whole checkpoint.

    ``revise_keys`` (default: strip a leading ``module.``) are ``(pattern, replacement)``
    regex substitutions applied to every key in order.
    """
    checkpoint = _load_checkpoint(filename, map_location, logger, unsafe_load=unsafe_load)
    if not isinstance(checkpoint, dict):
        raise CheckpointStateDictError(
            f"No state_dict found in checkpoint file {filename}: it holds a "
            f"{type(checkpoint).__name__}, not a dict"
        )
    return _load_checkpoint_to_model(model, checkpoint, strict, logger, revise_keys,
                                     source=filename)


# ---------------------------------------------------------------------------------- state
def weights_to_cpu(state_dict: Mapping[str, Any]) -> OrderedDict[str, Any]:
    """A copy with every tensor on the CPU (the ``_metadata`` attribute is kept)."""
    metadata = getattr(state_dict, "_metadata", OrderedDict())

    def to_cpu(value: Any) -> Any:
        if hasattr(value, "cpu") and callable(value.cpu):
            return value.cpu()
        if isinstance(value, Mapping):
            return type(value)((k, to_cpu(v)) for k, v in value.items())  # type: ignore[call-arg]
        if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
            return type(value)(to_cpu(v) for v in value)
        return value

    result: Any = OrderedDict((key, to_cpu(value)) for key, value in state_dict.items())
    result._metadata = metadata
    return result


def get_state_dict(
    module: nn.Module,
    destination: OrderedDict[str, Any] | None = None,
    prefix: str = "",
    keep_vars: bool = False,
) -> OrderedDict[str, Any]:
    """``module.state_dict()``, looking through model wrappers at every level."""
    module = _unwrap(module)
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()  # type: ignore[attr-defined]
    local_metadata = dict(version=module._version)
    destination._metadata[prefix[:-1]] = local_metadata  # type: ignore[attr-defined]
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, f"{prefix}{name}.", keep_vars=keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


# ---------------------------------------------------------------------------------- saving
def save_checkpoint(
    checkpoint: Mapping[str, Any],
    filename: str | Path,
    file_client_args: dict | None = None,
    backend_args: dict | None = None,
) -> None:
    """Write ``checkpoint`` atomically to a local path or fsspec URL.

    Objects that a ``weights_only`` load could not read back raise
    :class:`~mmlight.runner.safe_checkpoint.UnsafeCheckpointValueError` before anything is
    written (numpy data and history buffers are stored in a tagged plain form).
    """
    if file_client_args is not None:
        print_log(
            '"file_client_args" will be deprecated in future. Please use "backend_args" instead',
            logger="current",
            level=logging.WARNING,
        )
        if backend_args is not None:
            raise ValueError(
                'save_checkpoint(): "file_client_args" and "backend_args" cannot be set at the '
                "same time"
            )
    name = str(filename)
    if name.startswith(_UNSUPPORTED_SCHEMES):
        raise UnsupportedCheckpointSchemeError(
            f"cannot save to {name}: mmlight writes to local paths and fsspec URLs only"
        )
    safe = encode_safe(checkpoint)
    options = backend_args if backend_args is not None else _storage_options(file_client_args)
    atomic_write(name, _torch_writer(safe), backend_args=options)


def _torch_writer(obj: Any) -> Callable[[IO[bytes]], None]:
    def write(stream: IO[bytes]) -> None:
        torch.save(obj, stream)

    return write


def _storage_options(file_client_args: dict | None) -> dict | None:
    if not file_client_args:
        return None
    return {k: v for k, v in file_client_args.items() if k not in ("backend", "prefix")}


def find_latest_checkpoint(path: str | Path) -> str | None:
    """The path written in ``path/last_checkpoint``, or None (with a message) if none."""
    save_file = join_path(str(path), "last_checkpoint")
    if exists(save_file):
        return get_text(save_file).strip()
    print_log("Did not find last_checkpoint to be resumed.")
    return None
