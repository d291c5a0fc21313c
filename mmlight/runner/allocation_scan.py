"""What a checkpoint's pickle would make torch's own allow-listed callables allocate, charged
to the load's budget before ``torch.load`` runs anything.

torch's ``weights_only`` allow-list (``torch/_weights_only_unpickler.py``) takes precedence
over :func:`torch.serialization.add_safe_globals`, so mmlight cannot guard its entries by
replacing them: ``bytearray(2**40)``, ``torch.FloatTensor(2**40)`` or
``torch.storage.UntypedStorage(2**40)`` in a 174-byte file make the loader allocate (and
``bytearray`` zero) any amount, and a torch legacy-format file declares each storage's size
(numel) in its pickle, allocated before its bytes are read. So the pickle's stack is
simulated here, opcode by opcode (:func:`pickletools.genops`: nothing is imported or called),
far enough to see every call (``REDUCE``, ``NEWOBJ``, ``NEWOBJ_EX``, ``INST``, ``OBJ``, and
the call ``torch._tensor._rebuild_from_type_v2`` makes) and each legacy storage. What an
allocating callable would allocate is computed from its arguments when they are numbers,
strings or containers written in the file, and charged with
:func:`~mmlight.logging.alloc_budget.charge`; an allocating call whose size the file does not
spell out (computed while unpickling) is refused: real checkpoints never make one.

In the zip format storages are records of the archive (their bytes are the file's, torch
checks each record's size against its numel), so the storage types inside persistent ids are
neither calls nor charged; but a record stored compressed is charged at the size torch
inflates it to, before anything is inflated (deflate reaches ~1000:1). A legacy file is read
directly by torch's unpickler, whose ``read(n)`` of a declared string allocates ``n`` bytes:
a string declared longer than the file is charged too. Charges are applied once the scan is
complete (a refusal names the call and its arguments); the scan reads the pickles from memory
(a legacy file's from a prefix of it), never past the file's end.
"""

from __future__ import annotations

import _codecs
import io
import math
import pickletools
import re
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any

import torch
from torch._utils import IMPORT_MAPPING, NAME_MAPPING

from mmlight.logging.alloc_budget import REFUSAL_PREFIX, AllocationRefusedError, charge
from mmlight.runner.pickle_scan import DYNAMIC_GLOBAL

__all__ = ["charge_pickle_allocations"]

_LEGACY_PICKLES = 5  # magic number, protocol, sys info, the object, storage keys
_POINTER = 8  # bytes charged per entry a container copy holds
_UNKNOWN_ELEMENT = 16  # the widest element (complex128) where a dtype is not known
_MAX_DIMS = 64  # torch's limit on a tensor's dimensions


# ------------------------------------------------------------------- simulated values
@dataclass(frozen=True)
class _Global:
    """A global the pickle names (``module.name``)."""

    name: str


class _Computed:
    """A value only unpickling would know (a call's result, a persistent object...)."""

    def __repr__(self) -> str:
        return "<computed>"


_COMPUTED = _Computed()


@dataclass(eq=False)
class _List:
    """A list (or set) the pickle builds: its items, for tensor data and copies."""

    items: list[Any] = field(default_factory=list)


@dataclass(eq=False)
class _Dict:
    """A dict the pickle builds: only how many entries it has."""

    length: int = 0


@dataclass(frozen=True)
class _Sized:
    """A computed bytes-like value whose length is known (``_codecs.encode``'s result)."""

    length: int


@dataclass(frozen=True)
class _Shape:
    """A ``torch.Size`` built from numbers in the file."""

    dims: tuple[int, ...]


@dataclass(frozen=True)
class _Tensor:
    """A tensor whose number of elements the file spells out."""

    numel: int


def _torch_name(module: str, name: str) -> str:
    """``module.name`` as torch's unpickler looks it up (Python 2 names mapped its way)."""
    if (module, name) in NAME_MAPPING:
        module, name = NAME_MAPPING[(module, name)]
    elif module in IMPORT_MAPPING:
        module = IMPORT_MAPPING[module]
    return f"{module}.{name}"


# ------------------------------------------------------------------- refusals
def _refuse(what: str) -> AllocationRefusedError:
    return AllocationRefusedError(
        f"{REFUSAL_PREFIX} {what}: its size is computed while unpickling, not written in the "
        "file, so mmlight cannot bound it before it runs (real checkpoints never do this): it "
        "is damaged or crafted"
    )


def _describe(value: Any, limit: int = 60, depth: int = 0) -> str:
    """``value`` in a message, short whatever its size or nesting."""
    if isinstance(value, (str, bytes)) and len(value) > 16:
        text = f"<{type(value).__name__} of {len(value)}>"
    elif isinstance(value, tuple) and (depth > 2 or len(value) > 8):
        text = f"<tuple of {len(value)}>"
    elif isinstance(value, tuple):
        text = "(" + ", ".join(_describe(item, limit, depth + 1) for item in value) + \
            ("," if len(value) == 1 else "") + ")"
    elif isinstance(value, _List):
        text = f"<list of {len(value.items)}>"
    elif isinstance(value, _Dict):
        text = f"<dict of {value.length}>"
    elif isinstance(value, _Global):
        text = value.name
    elif isinstance(value, _Shape):
        text = f"torch.Size({list(value.dims)})"
    elif isinstance(value, (_Tensor, _Sized, _Computed)):
        text = "<computed>"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _call_text(name: str, args: tuple[Any, ...]) -> str:
    inner = ", ".join(_describe(arg) for arg in args)
    return f"{name}({inner})"


# ------------------------------------------------------------------- sizes of arguments
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _leaves(value: Any, seen: dict[int, int], path: set[int]) -> int | None:
    """Numbers in a nested list/tuple of numbers (data for a tensor), counting shared
    sublists each time they occur; None when it holds anything else, itself, or is nested
    deeper than any tensor's dimensions go."""
    if isinstance(value, (int, float, complex)):
        return 1
    if not isinstance(value, (tuple, _List)) or len(path) >= _MAX_DIMS:
        return None
    key = id(value)
    if key in seen:
        return seen[key]
    if key in path:
        return None
    path.add(key)
    total = 0
    for item in value if isinstance(value, tuple) else value.items:
        count = _leaves(item, seen, path)
        if count is None:
            return None
        total += count
    path.discard(key)
    seen[key] = total
    return total


def _entries(value: Any) -> int | None:
    """Entries a copy of ``value`` holds (a string's characters, a container's items), when
    the file spells ``value`` out; None otherwise."""
    if isinstance(value, (str, bytes, tuple)):
        return len(value)
    if isinstance(value, _List):
        return len(value.items)
    if isinstance(value, _Dict):
        return value.length
    if isinstance(value, _Sized):
        return value.length
    return None


def _numel(dims: Any) -> int | None:
    if isinstance(dims, _Shape):
        dims = dims.dims
    if isinstance(dims, (tuple, _List)):
        items = dims if isinstance(dims, tuple) else tuple(dims.items)
        if all(_is_int(item) for item in items):
            return math.prod(max(0, item) for item in items)
    return None


def _itemsize(obj: Any) -> int:
    dtype = getattr(obj, "dtype", None)
    return dtype.itemsize if isinstance(dtype, torch.dtype) else _UNKNOWN_ELEMENT


# ------------------------------------------------------------------- allocating callables
Rule = Callable[[str, Any, tuple[Any, ...]], Any]


# Bytes a character may take in each codec a real checkpoint uses (torch writes bytes as
# _codecs.encode(text, 'latin1')); others (unicode_escape: 10 bytes, codecs registered by any
# imported package: unknown) are refused.
_CODEC_WIDTH = {"latin1": 1, "latin-1": 1, "iso-8859-1": 1, "ascii": 1, "utf-8": 4, "utf8": 4}


def _encoded_size(name: str, args: tuple[Any, ...]) -> int:
    """Bytes ``args[0]`` (a string in the file) takes once encoded with ``args[1]``."""
    codec = args[1] if len(args) > 1 else "utf-8"
    width = _CODEC_WIDTH.get(codec.lower()) if isinstance(codec, str) else None
    if width is None:
        raise AllocationRefusedError(
            f"{REFUSAL_PREFIX} {_call_text(name, args)} encodes with a codec whose output "
            f"size mmlight does not bound (only {', '.join(sorted(_CODEC_WIDTH))}): it is "
            "damaged or crafted"
        )
    return width * len(args[0])


def _bytearray(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    if not args:
        return _Sized(0)
    first = args[0]
    if _is_int(first):
        size = max(0, first)
    elif isinstance(first, str):
        size = _encoded_size(name, args)
    else:
        entries = _entries(first)
        if entries is None:
            raise _refuse(f"{_call_text(name, args)} asks for bytes")
        size = entries
    _charge(size, lambda: _call_text(name, args))
    return _Sized(size)


def _encode(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    # An input computed by another call (encode(encode(...), 'hex') ...) could double at
    # every step: only a string written in the file is encoded.
    if not args or not isinstance(args[0], str):
        raise _refuse(f"{_call_text(name, args)} encodes a value")
    size = _encoded_size(name, args)
    _charge(size, lambda: _call_text(name, args))
    return _Sized(size)


def _dense_tensor(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    itemsize = _itemsize(obj) if obj is not torch.Tensor else torch.get_default_dtype().itemsize
    if not args:
        return _Tensor(0)
    if all(_is_int(arg) for arg in args):
        numel = math.prod(max(0, arg) for arg in args)
    elif len(args) == 1 and isinstance(args[0], _Shape):
        numel = math.prod(max(0, dim) for dim in args[0].dims)
    elif len(args) == 1:
        leaves = _leaves(args[0], {}, set())
        if leaves is None:
            raise _refuse(f"{_call_text(name, args)} builds a tensor")
        numel = leaves
    else:
        raise _refuse(f"{_call_text(name, args)} builds a tensor")
    _charge(numel * itemsize, lambda: f"{_call_text(name, args)} ({numel} elements)")
    return _Tensor(numel)


def _storage(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    itemsize = 1 if obj is torch.UntypedStorage else _itemsize(obj)
    if not args:
        return _COMPUTED
    first = args[0]
    count = first if _is_int(first) else _entries(first)
    if count is None or (len(args) > 1 and not _is_int(first)):
        raise _refuse(f"{_call_text(name, args)} builds a storage")
    _charge(max(0, count) * itemsize, lambda: _call_text(name, args))
    return _COMPUTED


def _container_copy(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    """set(x), Counter(x), OrderedDict(x), torch.Size(x): a copy of x each time x (shared
    through the memo) is passed."""
    if not args:
        return _COMPUTED
    entries = _entries(args[0])
    if entries is None:
        raise _refuse(f"{_call_text(name, args)} copies a value")
    _charge(entries * _POINTER, lambda: _call_text(name, args))
    if obj is torch.Size and isinstance(args[0], tuple) and _numel(args[0]) is not None:
        return _Shape(args[0])
    return _COMPUTED


def _rebuild_tensor(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    """_rebuild_tensor(_v2/_v3)(storage, offset, size, ...): a view of a storage (torch
    checks it fits), no allocation; its size is kept for a later dtype conversion."""
    numel = _numel(args[2]) if len(args) > 2 else None
    return _Tensor(numel) if numel is not None else _COMPUTED


def _rebuild_parameter(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    return args[0] if args and isinstance(args[0], _Tensor) else _COMPUTED


def _rebuild_qtensor(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    """Allocates an empty quantized tensor of ``size`` before setting its storage."""
    numel = _numel(args[2]) if len(args) > 2 else None
    if numel is None:
        raise _refuse(f"{_call_text(name, args)} builds a quantized tensor")
    _charge(numel * 4, lambda: f"{_call_text(name, args)} ({numel} elements)")
    return _Tensor(numel)


def _converted_copy(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    """_rebuild_device_tensor_from_cpu_tensor/_numpy(data, dtype, ...): data.to(dtype)."""
    data = args[0] if args else None
    if not isinstance(data, _Tensor):
        raise _refuse(f"{_call_text(name, args)} converts a tensor")
    _charge(data.numel * _UNKNOWN_ELEMENT,
            lambda: f"{_call_text(name, args)} ({data.numel} elements)")
    return data


def _rebuild_from_type(name: str, obj: Any, args: tuple[Any, ...]) -> Any:
    """_rebuild_from_type_v2(func, new_type, args, state) calls func(*args)."""
    if len(args) < 3 or not isinstance(args[0], _Global) or not isinstance(args[2], tuple) \
            or args[0].name == name:  # real files call a rebuild function, once
        raise _refuse(f"{_call_text(name, args)} calls a function")
    return _call(args[0], args[2])


def _rules() -> dict[int, Rule]:
    """The rule of every allow-listed callable that allocates, by the object's identity."""
    from torch import _utils
    from torch._tensor import _rebuild_from_type_v2

    rules: dict[int, Rule] = {
        id(bytearray): _bytearray,
        id(_codecs.encode): _encode,
        id(torch.Tensor): _dense_tensor,
        id(torch.UntypedStorage): _storage,
        id(torch.TypedStorage): _storage,
        id(set): _container_copy,
        id(Counter): _container_copy,
        id(OrderedDict): _container_copy,
        id(torch.Size): _container_copy,
        id(_rebuild_from_type_v2): _rebuild_from_type,
    }
    for cls in torch._tensor_classes:
        if "sparse" not in cls.__module__:  # sparse ones hold only indices and values
            rules[id(cls)] = _dense_tensor
    for rebuild in ("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3"):
        if hasattr(_utils, rebuild):
            rules[id(getattr(_utils, rebuild))] = _rebuild_tensor
    for rebuild in ("_rebuild_parameter", "_rebuild_parameter_with_state"):
        if hasattr(_utils, rebuild):
            rules[id(getattr(_utils, rebuild))] = _rebuild_parameter
    for rebuild in ("_rebuild_device_tensor_from_cpu_tensor", "_rebuild_device_tensor_from_numpy"):
        if hasattr(_utils, rebuild):
            rules[id(getattr(_utils, rebuild))] = _converted_copy
    rules[id(_utils._rebuild_qtensor)] = _rebuild_qtensor
    return rules


def _torch_allowed() -> dict[str, Any]:
    from torch import _weights_only_unpickler as unpickler

    try:
        return unpickler._get_allowed_globals()
    except AttributeError:  # a torch without the private list: the classes named above
        return {}


def _call(func: Any, args: Any, kwargs: Any = None) -> Any:
    """The simulated result of ``func(*args)``; charges or refuses what it allocates."""
    if not isinstance(func, _Global):
        return _COMPUTED  # torch calls only allow-listed globals
    obj = _torch_allowed().get(func.name)
    if obj is None:
        return _COMPUTED  # refused by torch, or a user-allowed global mmlight guards itself
    if isinstance(obj, torch.serialization.StorageType):
        rule: Rule | None = _storage  # legacy FloatStorage & co: not callable in torch 2.x
    else:
        rule = _RULES.get(id(obj))
    if rule is None:
        return _COMPUTED
    no_kwargs = kwargs is None or (isinstance(kwargs, _Dict) and kwargs.length == 0)
    if not isinstance(args, tuple) or not no_kwargs:
        raise _refuse(f"{func.name} called with arguments computed while unpickling")
    return rule(func.name, obj, args)


_RULES = _rules()


# ------------------------------------------------------------------- the stack machine
@dataclass
class _Legacy:
    """Storages a legacy-format file declared (each allocated once, by key)."""

    keys: set[Any] = field(default_factory=set)


def _persistent(pid: Any, legacy: _Legacy | None) -> Any:
    """A storage: a zip record (bounded by the file), or in the legacy format one torch
    allocates from the numel the pickle gives before reading its bytes."""
    if legacy is None or not isinstance(pid, tuple) or len(pid) < 5:
        return _COMPUTED
    if pid[0] not in ("storage", b"storage"):
        return _COMPUTED
    storage_type, key, numel = pid[1], pid[2], pid[4]
    if isinstance(key, (str, bytes, int)) and key in legacy.keys:
        return _COMPUTED
    what = f"a legacy storage {_describe(key)} of {_describe(numel)} elements"
    if not _is_int(numel):
        raise _refuse(what)
    obj = _torch_allowed().get(storage_type.name) if isinstance(storage_type, _Global) else None
    itemsize = _itemsize(obj) if obj is not None else _UNKNOWN_ELEMENT
    _charge(max(0, numel) * itemsize, lambda: f"{what} ({_describe(storage_type)})")
    if isinstance(key, (str, bytes, int)):
        legacy.keys.add(key)
    return _COMPUTED


class _Machine:
    """The pickle machine's stack, memo and marks, with simulated values."""

    def __init__(self, legacy: _Legacy | None) -> None:
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[Any, Any] = {}
        self.legacy = legacy

    def pop(self) -> Any:
        return self.stack.pop()

    def pop_mark(self) -> list[Any]:
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def step(self, name: str, arg: Any, opcode: pickletools.OpcodeInfo) -> None:
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, arg)
        elif name in _LITERALS:
            self.stack.append(arg)
        else:
            self._generic(opcode)

    def _generic(self, opcode: pickletools.OpcodeInfo) -> None:
        """Any other opcode: pops and pushes as pickletools documents it."""
        if pickletools.markobject in opcode.stack_before:
            self.pop_mark()
        else:
            for _ in opcode.stack_before:
                self.pop()
        for _ in opcode.stack_after:
            if _ is pickletools.markobject:
                self.marks.append(len(self.stack))
            else:
                self.stack.append(_COMPUTED)


_LITERALS = frozenset({
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
    "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
})


def _handlers() -> dict[str, Callable[[_Machine, Any], None]]:
    def push(value: Any) -> Callable[[_Machine, Any], None]:
        return lambda m, arg: m.stack.append(value() if callable(value) else value)

    def tuple_of(n: int) -> Callable[[_Machine, Any], None]:
        def run(m: _Machine, arg: Any) -> None:
            items = tuple(m.stack[len(m.stack) - n:]) if n else ()
            del m.stack[len(m.stack) - n:]
            m.stack.append(items)
        return run

    def mark(m: _Machine, arg: Any) -> None:
        m.marks.append(len(m.stack))

    def append(m: _Machine, arg: Any) -> None:
        item = m.pop()
        if isinstance(m.stack[-1], _List):
            m.stack[-1].items.append(item)

    def appends(m: _Machine, arg: Any) -> None:
        items = m.pop_mark()
        if isinstance(m.stack[-1], _List):
            m.stack[-1].items.extend(items)

    def setitem(m: _Machine, arg: Any) -> None:
        m.pop(), m.pop()
        if isinstance(m.stack[-1], _Dict):
            m.stack[-1].length += 1

    def setitems(m: _Machine, arg: Any) -> None:
        items = m.pop_mark()
        if isinstance(m.stack[-1], _Dict):
            m.stack[-1].length += len(items) // 2

    def global_(m: _Machine, arg: Any) -> None:
        module, _, attr = str(arg).partition(" ")
        m.stack.append(_Global(_torch_name(module, attr)))

    def stack_global(m: _Machine, arg: Any) -> None:
        attr, module = m.pop(), m.pop()
        resolved = isinstance(module, str) and isinstance(attr, str)
        m.stack.append(_Global(_torch_name(module, attr) if resolved else DYNAMIC_GLOBAL))

    def put(m: _Machine, arg: Any) -> None:
        m.memo[arg] = m.stack[-1]

    def memoize(m: _Machine, arg: Any) -> None:
        m.memo[len(m.memo)] = m.stack[-1]

    def get(m: _Machine, arg: Any) -> None:
        m.stack.append(m.memo.get(arg, _COMPUTED))

    def reduce(m: _Machine, arg: Any) -> None:
        args = m.pop()
        m.stack.append(_call(m.pop(), args))

    def newobj_ex(m: _Machine, arg: Any) -> None:
        kwargs, args = m.pop(), m.pop()
        m.stack.append(_call(m.pop(), args, kwargs))

    def inst(m: _Machine, arg: Any) -> None:
        module, _, attr = str(arg).partition(" ")
        args = tuple(m.pop_mark())
        m.stack.append(_call(_Global(_torch_name(module, attr)), args))

    def obj(m: _Machine, arg: Any) -> None:
        items = m.pop_mark()
        m.stack.append(_call(items[0], tuple(items[1:])))

    def build(m: _Machine, arg: Any) -> None:
        m.pop()  # BUILD sets state (Tensor.set_ is bounds-checked): nothing sized by it

    def persid(m: _Machine, arg: Any) -> None:
        m.stack.append(_persistent(arg, m.legacy))

    def binpersid(m: _Machine, arg: Any) -> None:
        m.stack.append(_persistent(m.pop(), m.legacy))

    def dup(m: _Machine, arg: Any) -> None:
        m.stack.append(m.stack[-1])

    def pop(m: _Machine, arg: Any) -> None:
        if m.marks and m.marks[-1] == len(m.stack):
            m.marks.pop()
        else:
            m.pop()

    def list_(m: _Machine, arg: Any) -> None:
        m.stack.append(_List(m.pop_mark()))

    def dict_(m: _Machine, arg: Any) -> None:
        m.stack.append(_Dict(len(m.pop_mark()) // 2))

    return {
        "NONE": push(None), "NEWTRUE": push(True), "NEWFALSE": push(False),
        "EMPTY_TUPLE": tuple_of(0), "TUPLE1": tuple_of(1), "TUPLE2": tuple_of(2),
        "TUPLE3": tuple_of(3), "TUPLE": lambda m, arg: m.stack.append(tuple(m.pop_mark())),
        "EMPTY_LIST": push(_List), "EMPTY_DICT": push(_Dict), "EMPTY_SET": push(_List),
        "LIST": list_, "DICT": dict_, "MARK": mark, "APPEND": append, "APPENDS": appends,
        "ADDITEMS": appends, "SETITEM": setitem, "SETITEMS": setitems, "GLOBAL": global_,
        "STACK_GLOBAL": stack_global, "PUT": put, "BINPUT": put, "LONG_BINPUT": put,
        "MEMOIZE": memoize, "GET": get, "BINGET": get, "LONG_BINGET": get, "REDUCE": reduce,
        "NEWOBJ": reduce, "NEWOBJ_EX": newobj_ex, "INST": inst, "OBJ": obj, "BUILD": build,
        "PERSID": persid, "BINPERSID": binpersid, "DUP": dup, "POP": pop,
        "POP_MARK": lambda m, arg: m.pop_mark(),
        "PROTO": lambda m, arg: None, "FRAME": lambda m, arg: None,
        "STOP": lambda m, arg: None,
    }


_HANDLERS = _handlers()


_FIRST_READ = 1 << 20  # a legacy file's pickles are read in a prefix this long, then 4x ...
# ... until they end in it; genops' words for a string longer than the bytes left:
_SHORT_READ = re.compile(r"expected (\d+) bytes in a \w+, but only \d+ remain")


class _PrefixEnded(Exception):
    """The pickles go on past the prefix read so far."""


def _simulate(pickled: io.BytesIO, legacy: _Legacy | None, whole: bool = True) -> bool:
    """Run one pickle's opcodes; False once the bytes are no (complete) pickle. Raises
    :class:`_PrefixEnded` where ``pickled`` is only the start of the file and ran out."""
    machine = _Machine(legacy)
    try:
        for opcode, arg, _ in pickletools.genops(pickled):
            machine.step(opcode.name, arg, opcode)
        return True
    except AllocationRefusedError:
        raise
    except RecursionError as error:  # no real checkpoint nests this deep
        raise _refuse("a value nested too deep to follow") from error
    except Exception as error:  # torch's unpickler stops at the same broken opcode
        ended = pickled.tell() >= len(pickled.getbuffer())
        if ended and not whole:
            raise _PrefixEnded from error
        declared = _SHORT_READ.match(str(error))
        if legacy is not None and ended and declared:  # torch's read(n) of the file: n bytes
            length = int(declared.group(1))
            _charge(length, lambda: f"a string of {length} bytes declared in its pickle, "
                    "which reading it directly allocates in full")
        return False


def _charge(nbytes: int, what: Callable[[], str]) -> None:
    """Note ``nbytes`` for the current scan (charged once the scan is complete: a legacy
    file's pickles may be simulated again over a longer prefix)."""
    if nbytes > 0:
        _PENDING.get().append((nbytes, what))


_PENDING: ContextVar[list[tuple[int, Callable[[], str]]]] = ContextVar("mmlight_alloc_scan")


def charge_pickle_allocations(stream: IO[bytes]) -> None:
    """Charge what unpickling ``stream``'s checkpoint with torch's ``weights_only`` allow-list
    would allocate to the current :func:`~mmlight.logging.alloc_budget.allocation_budget`;
    raise :class:`~mmlight.logging.alloc_budget.AllocationRefusedError` at the first call it
    cannot bound or the budget does not cover. ``stream`` must be seekable; it is read from
    its start and left where it was."""
    start = stream.tell()
    pending: list[tuple[int, Callable[[], str]]] = []
    token = _PENDING.set(pending)
    try:
        stream.seek(0)
        if zipfile.is_zipfile(stream):
            _scan_zip(stream)
        else:
            _scan_legacy(stream, pending)
        for nbytes, what in pending:
            charge(nbytes, what())
    finally:
        _PENDING.reset(token)
        stream.seek(start)


def _scan_legacy(stream: IO[bytes], pending: list[Any]) -> None:
    """torch's legacy format (or a bare pickle): up to five pickles from the file's start,
    read into memory a prefix at a time (never past the file's end: a declared string of
    2**60 bytes allocates nothing here)."""
    size = stream.seek(0, io.SEEK_END)
    length = min(size, _FIRST_READ)
    while True:
        stream.seek(0)
        pickled = io.BytesIO(stream.read(length))
        legacy = _Legacy()
        try:
            for _ in range(_LEGACY_PICKLES):
                if not _simulate(pickled, legacy, whole=length >= size):
                    break
            return
        except _PrefixEnded:
            pending.clear()
            length = min(size, 4 * length)


def _scan_zip(stream: IO[bytes]) -> None:
    """A zip checkpoint: torch reads each record whole, so one that the file holds
    compressed (torch reads deflated records too) is charged at its declared size, before
    anything is decompressed; then its ``data.pkl`` is simulated from memory."""
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, EOFError):
        return
    with archive:
        for info in archive.infolist():
            if info.file_size > info.compress_size:
                charge(info.file_size, f"the zip record {info.filename[:80]!r} of "
                       f"{info.file_size} bytes (compressed to {info.compress_size})")
        members = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        for member in members[:1]:  # torch reads the first archive's data.pkl
            _simulate(io.BytesIO(archive.read(member)), None)
