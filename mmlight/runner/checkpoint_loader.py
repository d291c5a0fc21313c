"""``CheckpointLoader``: where a checkpoint name is read from, with mmengine's schemes.

Every built-in scheme ends in mmlight's safe reader (:mod:`mmlight.runner.checkpoint`): the
allow-listed ``weights_only`` load within the file's allocation budget. Downloading a file is
the only thing a scheme adds; nothing from a file is imported or executed.

Schemes (matched as mmengine matches them: each prefix is a regular expression tried with
``re.match``, in reverse lexicographic order of the prefixes, so ``https://`` is tried before
``http://`` and every prefix before the catch-all ``''``):

* ``''``: a local path (``~`` expanded) or any fsspec URL (``memory://``, ``gs://`` ...).
* ``http://``, ``https://``: downloaded once into torch.hub's checkpoint cache
  (``<torch hub dir>/checkpoints``, or ``model_dir``), then read from there.
* ``torchvision://`` (and the deprecated ``modelzoo://``), ``open-mmlab://``,
  ``openmmlab://``, ``mmcls://``: a name looked up in :mod:`mmlight.runner.model_zoo`'s
  tables, then read as its URL (or, for an ``open-mmlab://`` entry that is a path, from
  mmengine's home folder). ``mmcls://`` keeps the ``backbone.`` weights, renamed.
* ``pavi://``: through ``pavi.modelcloud`` (an install hint when pavi is missing).
* ``s3://``, ``petrel://`` and ``<cluster>:s3://``: through petrel_client when it is
  installed (as mmengine), else plain ``s3://`` through fsspec (s3fs).

A scheme a user registers is called as mmengine calls it, ``loader(filename, map_location)``.
"""

from __future__ import annotations

import http.client
import io
import logging
import os
import re
import sys
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from tempfile import TemporaryDirectory
from typing import IO, Any, NamedTuple, overload
from urllib.error import URLError
from urllib.parse import urlparse

from mmlight.logging import print_log
from mmlight.runner.model_zoo import (
    get_deprecated_model_names,
    get_external_models,
    get_mmcls_models,
    get_torchvision_models,
    mmengine_home,
    model_url,
)

__all__ = [
    "CheckpointDownloadError",
    "CheckpointLoader",
    "SchemeMismatchError",
    "SchemeRegistrationError",
    "load_from_ceph",
    "load_from_http",
    "load_from_local",
    "load_from_mmcls",
    "load_from_openmmlab",
    "load_from_pavi",
    "load_from_torchvision",
    "load_options",
]

Loader = Callable[..., Any]


class SchemeRegistrationError(TypeError, AssertionError):
    """``prefixes`` is neither a string nor a list or tuple of them (mmengine asserts)."""


class SchemeMismatchError(ValueError, AssertionError):
    """A loader called with a name of another scheme (mmengine asserts)."""


class CheckpointDownloadError(URLError):
    """A checkpoint URL that could not be downloaded; says where to put the file by hand.

    A ``URLError`` (what mmengine's download raises), with ``url`` and ``cache_path``.
    """

    def __init__(self, message: str, url: str, cache_path: str) -> None:
        super().__init__(message)
        self.url = url
        self.cache_path = cache_path

    def __str__(self) -> str:
        return str(self.reason)


# ------------------------------------------------------------------------------ safety options
class _LoadOptions(NamedTuple):
    unsafe_load: bool = False
    decode: bool = False


_OPTIONS: ContextVar[_LoadOptions] = ContextVar(
    "mmlight_checkpoint_load_options", default=_LoadOptions()  # noqa: B039 (a NamedTuple)
)


@contextmanager
def load_options(unsafe_load: bool = False, decode: bool = False) -> Iterator[None]:
    """Within the block, the built-in schemes read with these options (see
    :func:`mmlight.runner.checkpoint._load_checkpoint`). A context variable rather than
    arguments, so loaders keep mmengine's ``(filename, map_location)`` signature and a user's
    loader that calls a built-in one passes them on unknowingly."""
    token = _OPTIONS.set(_LoadOptions(unsafe_load, decode))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def _read_stream(stream: IO[bytes], name: str, map_location: Any) -> Any:
    from mmlight.runner.checkpoint import _budgeted_load

    options = _OPTIONS.get()
    return _budgeted_load(stream, name, map_location, options.unsafe_load, options.decode)


def _read_file(path: str, map_location: Any, name: str | None = None) -> Any:
    """The checkpoint at ``path`` (local or fsspec), read safely; ``name`` in messages."""
    from mmlight.runner.checkpoint import _open_binary

    with _open_binary(path) as stream:
        return _read_stream(stream, name or path, map_location)


# ------------------------------------------------------------------------------ the loader
class CheckpointLoader:
    """Finds the loader for a checkpoint name by its scheme prefix, and calls it."""

    _schemes: dict[str, Loader] = {}

    @classmethod
    def _register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader, force: bool = False
    ) -> None:
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        elif not isinstance(prefixes, (list, tuple)):
            raise SchemeRegistrationError(
                f"prefixes must be a str or a list/tuple of str, not {type(prefixes).__name__}"
            )
        for prefix in prefixes:
            if prefix in cls._schemes and not force:
                raise KeyError(
                    f"{prefix} is already registered as a loader backend, "
                    'add "force=True" if you want to override it'
                )
            cls._schemes[prefix] = loader
        cls._schemes = OrderedDict(sorted(cls._schemes.items(), key=lambda t: t[0], reverse=True))

    @overload
    @classmethod
    def register_scheme(
        cls, prefixes: str | Sequence[str], loader: None = None, force: bool = False
    ) -> Callable[[Loader], Loader]: ...

    @overload
    @classmethod
    def register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader, force: bool = False
    ) -> None: ...

    @classmethod
    def register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader | None = None, force: bool = False
    ) -> Callable[[Loader], Loader] | None:
        """Register ``loader`` for ``prefixes`` (regular expressions matched at the start of
        a name); without ``loader``, a decorator that registers the function it decorates.
        An already registered prefix raises ``KeyError`` unless ``force``."""
        if loader is not None:
            cls._register_scheme(prefixes, loader, force=force)
            return None

        def register(function: Loader) -> Loader:
            cls._register_scheme(prefixes, function, force=force)
            return function

        return register

    @classmethod
    def _get_checkpoint_loader(cls, path: str) -> Loader | None:
        """The loader of the first prefix (in the registry's order) that matches ``path``."""
        for prefix, loader in cls._schemes.items():
            if re.match(prefix, path) is not None:
                return loader
        return None

    @classmethod
    def load_checkpoint(
        cls, filename: str | os.PathLike, map_location: Any = None, logger: Any = "current"
    ) -> Any:
        """Load ``filename`` with the loader its scheme selects."""
        name = os.fspath(filename)
        loader = cls._get_checkpoint_loader(name)
        if loader is None:
            raise ValueError(
                f"no checkpoint loader matches {name!r}: registered prefixes are "
                f"{list(cls._schemes)} (the local loader, prefix '', was removed)"
            )
        loader_name = getattr(loader, "__name__", type(loader).__name__)
        print_log(f"Loads checkpoint by {loader_name[10:]} backend from path: {name}",
                  logger=logger)
        return loader(name, map_location)


# ------------------------------------------------------------------------------ local
@CheckpointLoader.register_scheme(prefixes="")
def load_from_local(filename: str, map_location: Any = None) -> Any:
    """A local path (``~`` expanded) or an fsspec URL."""
    from mmlight.runner.checkpoint import _checked_source

    name = filename if "://" in filename else os.path.expanduser(filename)
    return _read_file(_checked_source(name), map_location)


# ------------------------------------------------------------------------------ http
@CheckpointLoader.register_scheme(prefixes=("http://", "https://"))
def load_from_http(
    filename: str,
    map_location: Any = None,
    model_dir: str | None = None,
    progress: bool = os.isatty(0),
) -> Any:
    """Download ``filename`` into ``model_dir`` (default: torch.hub's ``checkpoints``
    folder) unless it is there already, then read it. In a distributed run rank 0 downloads
    first and the others read its copy after a barrier."""
    from mmlight.dist import barrier, get_dist_info

    rank, world_size = get_dist_info()
    checkpoint = None
    if rank == 0:
        checkpoint = _load_url(filename, model_dir, map_location, progress)
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = _load_url(filename, model_dir, map_location, progress)
    return checkpoint


def _load_url(url: str, model_dir: str | None, map_location: Any, progress: bool) -> Any:
    from torch.hub import download_url_to_file, get_dir

    folder = model_dir if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    os.makedirs(folder, exist_ok=True)
    basename = os.path.basename(urlparse(url).path)
    if not basename:
        raise ValueError(f"cannot download {url}: the URL names no file to cache it as")
    cached = os.path.join(folder, basename)
    if not os.path.exists(cached):
        sys.stdout.write(f'Downloading: "{url}" to {cached}\n')  # as torch.hub says it
        try:
            download_url_to_file(url, cached, None, progress=progress)
        except (URLError, OSError, http.client.HTTPException, ValueError) as error:
            raise _download_failed(url, cached, folder, error) from error
    name = f"{cached} (downloaded from {url})"
    return _read_file(_unpacked_legacy_zip(cached, folder, name), map_location, name)


def _download_failed(
    url: str, cached: str, folder: str, error: Exception
) -> CheckpointDownloadError:
    from urllib.error import HTTPError

    reason = error if isinstance(error, HTTPError) else getattr(error, "reason", None) or error
    return CheckpointDownloadError(
        f"cannot download {url}: {reason}. If this machine is offline, fetch the file "
        f"elsewhere and place it at {cached} (the checkpoint cache {folder}; torch.hub's "
        "cache follows $TORCH_HOME); it is read from there without downloading",
        url,
        cached,
    )


# A legacy (torch < 1.6) download is a zip of one file; more than this much expansion is no
# checkpoint (torch's pickles barely compress) but a zip bomb aimed at the disk.
_MAX_ZIP_RATIO = 20
_ZIP_SLACK = 1 << 20


def _unpacked_legacy_zip(path: str, folder: str, name: str) -> str:
    """``path``, or for a zip holding one file (torch.hub's legacy format), that file
    extracted into ``folder``. torch's own checkpoints are zips of several entries."""
    if not zipfile.is_zipfile(path):
        return path
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) != 1 or members[0].is_dir():
            return path
        member = members[0]
        if member.file_size > _MAX_ZIP_RATIO * member.compress_size + _ZIP_SLACK:
            from mmlight.runner.checkpoint import CheckpointDataRefusedError

            reason = (f"its single zipped file expands from {member.compress_size} to "
                      f"{member.file_size} bytes, more than a checkpoint does")
            refused = CheckpointDataRefusedError(f"refusing to load {name}: {reason}")
            refused.reason = reason
            raise refused
        return archive.extract(member, folder)


# ------------------------------------------------------------------------------ pavi
@CheckpointLoader.register_scheme(prefixes="pavi://")
def load_from_pavi(filename: str, map_location: Any = None) -> Any:
    """Download through ``pavi.modelcloud`` into a temporary folder, then read."""
    if not filename.startswith("pavi://"):
        raise SchemeMismatchError(f"Expected filename startswith `pavi://`, but get {filename}")
    try:
        from pavi import modelcloud
    except ImportError as error:
        raise ImportError(
            "Please install pavi to load checkpoint from modelcloud. (pavi:// checkpoints "
            f"are read through pavi.modelcloud; {filename} cannot be read without it)"
        ) from error
    model = modelcloud.get(filename[len("pavi://"):])
    with TemporaryDirectory() as folder:
        downloaded = os.path.join(folder, os.path.basename(str(model.name)) or "checkpoint")
        model.download(downloaded)
        return _read_file(downloaded, map_location, name=filename)


# ------------------------------------------------------------------------------ s3 / petrel
@CheckpointLoader.register_scheme(prefixes=[r"(\S+\:)?s3://", r"(\S+\:)?petrel://"])
def load_from_ceph(filename: str, map_location: Any = None, backend: str = "petrel") -> Any:
    """Read through petrel_client (``backend='petrel'``, when installed) as mmengine does, else
    a plain ``s3://`` URL through fsspec."""
    client = _petrel_client() if backend == "petrel" else None
    if client is not None:
        data = client.Get(re.sub(r"^petrel://", "s3://", filename.replace("\\", "/")))
        with io.BytesIO(data) as stream:
            return _read_stream(stream, filename, map_location)
    if not filename.startswith("s3://"):
        raise ImportError(
            "Please install petrel_client to enable PetrelBackend. (petrel:// and "
            f"<cluster>:s3:// names such as {filename} are read through petrel_client; plain "
            "s3:// URLs are read through fsspec with s3fs)"
        )
    return _read_file(filename, map_location)


def _petrel_client() -> Any:
    try:
        from petrel_client import client
    except ImportError:
        return None
    return client.Client(conf_path=None, enable_mc=True)


# ------------------------------------------------------------------------------ model zoos
@CheckpointLoader.register_scheme(prefixes=("modelzoo://", "torchvision://"))
def load_from_torchvision(filename: str, map_location: Any = None) -> Any:
    """A torchvision model name, read from its download URL."""
    if filename.startswith("modelzoo://"):
        print_log('The URL scheme of "modelzoo://" is deprecated, please use '
                  '"torchvision://" instead', logger="current", level=logging.WARNING)
        scheme = "modelzoo://"
    else:
        scheme = "torchvision://"
    url = model_url(get_torchvision_models(), filename[len(scheme):], scheme)
    return load_from_http(url, map_location=map_location)


@CheckpointLoader.register_scheme(prefixes=("open-mmlab://", "openmmlab://"))
def load_from_openmmlab(filename: str, map_location: Any = None) -> Any:
    """An OpenMMLab model name: its URL, or a file under mmengine's home folder."""
    scheme = "open-mmlab://" if filename.startswith("open-mmlab://") else "openmmlab://"
    name = filename[len(scheme):]
    urls = get_external_models()
    deprecated = get_deprecated_model_names()
    renamed = deprecated.get(name)
    if renamed is not None:
        print_log(f"{scheme}{name} is deprecated in favor of {scheme}{renamed}",
                  logger="current", level=logging.WARNING)
        name = renamed
    url = model_url(urls, name, scheme)
    if url.startswith(("http://", "https://")):
        return load_from_http(url, map_location=map_location)
    path = os.path.join(mmengine_home(), url)
    if not os.path.isfile(path):
        from mmlight.runner.checkpoint import CheckpointNotFoundError

        raise CheckpointNotFoundError(
            f"{path} can not be found. ({scheme}{name} names a file under mmengine's home "
            "folder, $MMENGINE_HOME or ~/.cache/mmengine)"
        )
    return _read_file(path, map_location)


@CheckpointLoader.register_scheme(prefixes="mmcls://")
def load_from_mmcls(filename: str, map_location: Any = None) -> Any:
    """An mmcls model name: its classifier's ``backbone.`` weights, without that prefix."""
    scheme = "mmcls://"
    url = model_url(get_mmcls_models(), filename[len(scheme):], scheme)
    return _backbone_of(load_from_http(url, map_location=map_location))


def _backbone_of(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    """``{'state_dict': ...}`` with the ``backbone.`` entries renamed without the prefix."""
    state_dict = checkpoint.get("state_dict", checkpoint)
    prefix = "backbone."
    renamed: OrderedDict[str, Any] = OrderedDict(
        (key[len(prefix):], value) for key, value in state_dict.items()
        if key.startswith(prefix)
    )
    return {"state_dict": renamed}
