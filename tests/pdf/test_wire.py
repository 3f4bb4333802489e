"""The sandbox channel's format: JSON + blobs, rebuilt only into registered, well-typed values."""

from __future__ import annotations

import json
import pickle
import struct
from dataclasses import dataclass

import pytest

from desk_app.pdf.barcodes import PageMark
from desk_app.pdf.read import FormReading
from desk_app.sandbox import schema, wire


def _reading() -> FormReading:
    mark = PageMark("MO 500-2356", "2024-07", 1, 2, "tok")
    return FormReading("MO 500-2356", "2024-07", "tok", {"a": "b"}, 2, "fields", (mark,))


def test_a_reading_travels_and_comes_back_equal() -> None:
    message = wire.encode({"status": "ok", "result": _reading(), "blob": b"\x00\xff" * 10})
    back = wire.decode(message)
    assert back["result"] == _reading() and back["blob"] == b"\x00\xff" * 10
    assert wire.conforms(back["result"], schema.RESULTS["read"])


def _tamper(message: bytes, change) -> bytes:
    (size,) = struct.unpack_from(">I", message)
    header = json.loads(message[4 : 4 + size])
    change(header)
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + message[4 + size :]


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h["v"]["f"].update(page_count="2"),  # a str where an int belongs
        lambda h: h["v"]["f"].pop("token"),  # a field missing
        lambda h: h["v"]["f"].update(extra=1),  # a field too many
        lambda h: h["v"].update({"$": "Popen"}),  # a type nobody registered
        lambda h: h.update(n=[10**9]),  # blob lengths that do not add up
    ],
)
def test_anything_off_schema_is_refused(change) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(_tamper(wire.encode(_reading()), change))


def test_a_pickle_is_not_a_message() -> None:
    with pytest.raises(wire.WireError):
        wire.decode(pickle.dumps(_reading()))
    with pytest.raises(wire.WireError):
        wire.encode(object())


@dataclass(frozen=True)
class FieldChange:
    field: str
    was: str


@dataclass(frozen=True)
class Finding:
    changes: tuple[FieldChange, ...]


def test_a_dataclass_nested_in_a_result_type_is_registered_with_it() -> None:
    wire.register_tree(Finding)
    value = Finding((FieldChange("email", "a@x"),))
    assert wire.decode(wire.encode(value)) == value
