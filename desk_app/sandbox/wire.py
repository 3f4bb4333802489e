"""The sandbox channel's one format: a JSON header and raw byte blobs, schema checked on arrival.

No pickle in either direction: a compromised child must not be able to make the parent run
code, so what it sends is data the parent inspects against the type it expects, never objects
it rebuilds blindly. A message is ``len(json)`` (4 bytes, big-endian), the UTF-8 JSON, then
the blobs it refers to. Values are JSON scalars, lists, or tagged objects:
``{"$": "bytes", "i": n}`` (blob n; the header lists the blobs' lengths), ``{"$": "tuple", "v": [...]}``, ``{"$": "map", "v": {...}}``,
``{"$": "dt", "v": iso}``, and ``{"$": "<Class>", "f": {...}}`` for a dataclass registered with
:func:`register`. :func:`conforms` checks a decoded value against a type hint (the job's declared
result type), field by field for dataclasses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
_HEADER = struct.Struct(">I")
MAX_DEPTH = 12
_registry: dict[str, type] = {}
_hints: dict[type, dict[str, Any]] = {}


class WireError(ValueError):
    """A message that does not follow the format or the expected schema."""


def register(cls: type[T]) -> type[T]:
    """Allow dataclass ``cls`` on the wire (by its class name)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    _registry[cls.__name__] = cls
    return cls


def register_tree(cls: type) -> None:
    """Register ``cls`` and every dataclass its fields' types name, all the way down (so a
    field added to a result type, with a dataclass of its own, travels without more wiring)."""
    if _registry.get(cls.__name__) is cls:
        return
    register(cls)
    try:
        hints = _hints_of(cls)
    except (NameError, TypeError):  # a hint only importable under TYPE_CHECKING
        return
    pending = list(hints.values())
    while pending:
        hint = pending.pop()
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            register_tree(hint)
        pending.extend(typing.get_args(hint))


def _hints_of(cls: type) -> dict[str, Any]:
    if cls not in _hints:
        _hints[cls] = typing.get_type_hints(cls)
    return _hints[cls]


# --- encoding ------------------------------------------------------------------------------------
def encode(value: Any) -> bytes:
    """One message for ``value`` (registered dataclasses, scalars, bytes, containers)."""
    return b"".join(encode_parts(value))


def encode_parts(value: Any) -> list[bytes]:
    """:func:`encode` as its parts (header, then each blob), for :func:`write_message` to write
    one after the other: a page's pixels are not copied just to be joined to their header."""
    blobs: list[bytes] = []
    tree = _out(value, blobs, 0)
    header = json.dumps({"v": tree, "n": [len(b) for b in blobs]}, separators=(",", ":")).encode()
    return [_HEADER.pack(len(header)) + header, *blobs]


def _out(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        blobs.append(bytes(value))
        return {"$": "bytes", "i": len(blobs) - 1}
    if isinstance(value, datetime):
        return {"$": "dt", "v": value.isoformat()}
    if isinstance(value, list):
        return [_out(v, blobs, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [_out(v, blobs, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("map keys must be strings")
        return {"$": "map", "v": {k: _out(v, blobs, depth + 1) for k, v in value.items()}}
    name = type(value).__name__
    if _registry.get(name) is type(value):
        fields = {f.name: _out(getattr(value, f.name), blobs, depth + 1) for f in _fields(value)}
        return {"$": name, "f": fields}
    raise WireError(f"{name} cannot travel on the sandbox channel")


def _fields(value: Any) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(value)


# --- decoding ------------------------------------------------------------------------------------
def decode(message: bytes | bytearray) -> Any:
    """The value of one message; raises :class:`WireError` for anything malformed."""
    if len(message) < _HEADER.size:
        raise WireError("message shorter than its header")
    (size,) = _HEADER.unpack_from(message)
    end = _HEADER.size + size
    if end > len(message):
        raise WireError("header length beyond the message")
    try:
        tree = json.loads(message[_HEADER.size : end])
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(f"header is not JSON ({exc})") from None
    if not isinstance(tree, dict) or not isinstance(tree.get("n"), list):
        raise WireError("header without its blob lengths")
    blobs, offset, view = [], end, memoryview(message)
    for length in tree["n"]:
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise WireError("bad blob length")
        blobs.append(bytes(view[offset : offset + length]))  # the one copy of a page's pixels
        offset += length
    if offset != len(message):
        raise WireError("blob lengths do not add up to the message")
    return _fill(_in(tree.get("v"), blobs, 0), blobs)


class _Blob:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _in(node: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if node is None or isinstance(node, bool | int | float | str):
        return node
    if isinstance(node, list):
        return [_in(n, blobs, depth + 1) for n in node]
    if not isinstance(node, dict) or not isinstance(node.get("$"), str):
        raise WireError("untagged object")
    tag = node["$"]
    if tag == "bytes":
        return _Blob(_int(node.get("i")))
    if tag == "dt":
        try:
            return datetime.fromisoformat(str(node.get("v")))
        except ValueError:
            raise WireError("bad date") from None
    if tag == "tuple":
        return tuple(_in(n, blobs, depth + 1) for n in _list(node.get("v")))
    if tag == "map":
        items = node.get("v")
        if not isinstance(items, dict):
            raise WireError("map without items")
        return {str(k): _in(v, blobs, depth + 1) for k, v in items.items()}
    cls = _registry.get(tag)
    fields = node.get("f")
    if cls is None or not isinstance(fields, dict):
        raise WireError(f"unknown type {tag[:40]!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    if set(fields) != names:
        raise WireError(f"{tag}: fields {sorted(fields)[:10]} are not {sorted(names)}")
    return _Pending(cls, {k: _in(v, blobs, depth + 1) for k, v in fields.items()})


class _Pending:
    """A dataclass whose byte fields are not yet filled in."""

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type, fields: dict[str, Any]) -> None:
        self.cls, self.fields = cls, fields


def _fill(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, _Blob):
        if not 0 <= value.index < len(blobs):
            raise WireError("blob reference out of range")
        return blobs[value.index]
    if isinstance(value, list):
        return [_fill(v, blobs) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, blobs) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, blobs) for k, v in value.items()}
    if isinstance(value, _Pending):
        filled = {k: _fill(v, blobs) for k, v in value.fields.items()}
        hints = _hints_of(value.cls)
        for name, item in filled.items():
            if not conforms(item, hints[name]):
                raise WireError(f"{value.cls.__name__}.{name} is not {hints[name]}")
        try:
            return value.cls(**filled)
        except (TypeError, ValueError) as exc:  # a result type's own checks (its __post_init__)
            raise WireError(f"{value.cls.__name__}: {exc}") from None
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise WireError("expected an integer")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise WireError("expected a list")
    return value


# --- schema --------------------------------------------------------------------------------------
def conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of type ``hint`` (scalars, bytes, datetime, containers, unions,
    registered dataclasses; ``Any`` and ``object`` accept everything)."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(conforms(value, a) for a in args)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return len(args) == len(value) and all(
            conforms(v, a) for v, a in zip(value, args, strict=True)
        )
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return False


def expect(value: Any, hint: Any, what: str) -> Any:
    """``value`` when it conforms to ``hint``; else :class:`WireError` naming ``what``."""
    if not conforms(value, hint):
        raise WireError(f"the reply to {what} is not {hint}")
    return value


Encoder = Callable[[Any], bytes]


# --- framing on a pipe ---------------------------------------------------------------------------
_FRAME = struct.Struct(">Q")


class Oversized(WireError):
    """A message longer than the reader allows."""


def write_message(fd: int, message: bytes | list[bytes]) -> None:
    """Write one framed message (whole, or as the parts of :func:`encode_parts`) to ``fd``."""
    parts = [message] if isinstance(message, bytes) else message
    size = sum(len(p) for p in parts)
    for part in (_FRAME.pack(size), *parts):  # no copy of a page's pixels to frame it
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view) :]


def _read_exact(fd: int, size: int) -> bytes | bytearray:
    first = os.read(fd, size) if size else b""
    if len(first) == size:
        return first
    if not first:
        raise EOFError("the other side closed the channel")
    buffer = bytearray(size)  # read the rest in place: a page image is megabytes
    view, done = memoryview(buffer), len(first)
    view[:done] = first
    while done < size:
        got = os.readv(fd, [view[done:]]) if hasattr(os, "readv") else _read_into(fd, view[done:])
        if not got:
            raise EOFError("the other side closed the channel")
        done += got
    return buffer  # not copied again: decode takes each blob out of it once


def _read_into(fd: int, view: memoryview) -> int:  # pragma: no cover - Windows has no readv
    chunk = os.read(fd, min(len(view), 1 << 20))
    view[: len(chunk)] = chunk
    return len(chunk)


def read_message(fd: int, max_size: int) -> bytes | bytearray:
    """Read one framed message; :class:`Oversized` when it announces more than ``max_size``."""
    (size,) = _FRAME.unpack(_read_exact(fd, _FRAME.size))
    if size > max_size:
        raise Oversized(f"a reply of {size} bytes, over the {max_size}-byte limit")
    return _read_exact(fd, size)
