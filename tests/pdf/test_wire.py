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


def _page_message(width: int, height: int, stride: int, samples: bytes, fmt: str) -> bytes:
    """A RenderedPage as a child would send it, numbers and bytes given separately (a
    compromised child may send numbers its bytes do not fill)."""
    fields = {"width": width, "height": height, "stride": stride, "format": fmt}
    fields |= {"samples": {"$": "bytes", "i": 0}, "page": 0, "zoom": 1.0, "rotate": 0}
    header = json.dumps({"v": {"$": "RenderedPage", "f": fields}, "n": [len(samples)]}).encode()
    return struct.pack(">I", len(header)) + header + samples


@pytest.mark.parametrize(
    ("width", "height", "stride", "size", "fmt"),
    [
        (100, 100, 300, 300 * 99, "RGB888"),  # a row short: Qt would read past the buffer
        (100, 100, 200, 200 * 100, "RGB888"),  # a stride shorter than a row of pixels
        (100, 100, 100, 100 * 100, "RGBA8888"),
        (10, 10, 10, 100, "Indexed8"),  # a format nobody draws
        (10**6, 1, 10**6, 10**6, "Grayscale8"),  # out of range
    ],
)
def test_pixels_that_do_not_fill_their_page_are_refused(width, height, stride, size, fmt) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(_page_message(width, height, stride, b"\x00" * size, fmt))


def test_pixels_that_fill_their_page_travel() -> None:
    from desk_app.pdf.render import RenderedPage

    page = wire.decode(_page_message(10, 4, 12, b"\x7f" * 48, "Grayscale8"))
    assert isinstance(page, RenderedPage) and (page.width, page.height) == (10, 4)
    assert wire.decode(_page_message(0, 0, 0, b"", "Grayscale8")).width == 0  # "unreadable"
