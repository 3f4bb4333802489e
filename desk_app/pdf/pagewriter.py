"""A small PDF writer for pages of text, rules, boxes and barcodes in the standard fonts.

An access-review campaign writes an attestation for every entity (about 1,500 at once): with
reportlab's canvas most of that time went to its per-call bookkeeping (a text object per
string, number formatting), not to the PDF. These pages need only Helvetica, straight lines,
rectangles and a QR, so their content streams are written here directly: the same drawing at
the same coordinates, several times faster. Text is WinAnsi-encoded (the standard fonts' own
encoding); a character outside it becomes "?".
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

FONTS = {"Helvetica": "F1", "Helvetica-Bold": "F2"}
Rgb = tuple[float, float, float]


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _num(value: float) -> str:
    return f"{value:.2f}"


@lru_cache(maxsize=64)
def _rgb(color: Rgb) -> str:
    return " ".join(_num(c) for c in color)


@dataclass
class Page:
    """The content stream of one page, drawn in PDF points from the bottom left."""

    ops: list[bytes] = field(default_factory=list)
    # signature fields: (name, (x0, y0, x1, y1) from the bottom left), so a filled or returned
    # copy's box is found by name as on the catalogue's forms
    signatures: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)

    def text(
        self, x: float, y: float, text: str, size: float, color: Rgb, bold: bool = False
    ) -> None:
        font = FONTS["Helvetica-Bold" if bold else "Helvetica"]
        self.ops.append(
            f"BT /{font} {size:.2f} Tf {_rgb(color)} rg {x:.2f} {y:.2f} Td (".encode()
            + _escape(text)
            + b") Tj ET"
        )

    def right_text(
        self, x: float, y: float, text: str, size: float, color: Rgb, bold: bool = False
    ) -> None:
        """``text`` ending at ``x``."""
        font = "Helvetica-Bold" if bold else "Helvetica"
        self.text(x - stringWidth(text, font, size), y, text, size, color, bold)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: Rgb, width: float) -> None:
        self.ops.append(
            f"{width:.2f} w {_rgb(color)} RG {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S".encode()
        )

    def box(self, x: float, y: float, w: float, h: float, color: Rgb, width: float) -> None:
        """An empty square or rectangle (stroked, not filled)."""
        self.ops.append(
            f"{width:.2f} w {_rgb(color)} RG {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S".encode()
        )

    def raw(self, operators: bytes) -> None:
        """Operators made elsewhere (a barcode's rectangles), wrapped in q ... Q by their maker."""
        self.ops.append(operators)


def document(pages: list[Page], size: tuple[float, float], title: str) -> bytes:
    """The PDF of ``pages`` (compressed content streams, standard fonts, no embedding)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"")  # 1: the catalog, written last (it names the page tree)
    add(b"")  # 2: the page tree
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    info = add(b"<< /Title (" + _escape(title) + b") /Creator (desk_app) /Producer (desk_app) >>")
    kids: list[int] = []
    fields: list[int] = []
    for page in pages:
        stream = zlib.compress(b"\n".join(page.ops), 6)
        contents = add(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            + stream
            + b"\nendstream"
        )
        number = len(objects) + 1 + len(page.signatures)  # the page follows its fields
        annots = []
        for name, (x0, y0, x1, y1) in page.signatures:
            annots.append(
                add(
                    f"<< /Type /Annot /Subtype /Widget /FT /Sig /T ({name}) /F 4 "
                    f"/Rect [{x0:.2f} {y0:.2f} {x1:.2f} {y1:.2f}] /P {number} 0 R >>".encode()
                )
            )
        fields += annots
        listed = f"/Annots [{' '.join(f'{a} 0 R' for a in annots)}] " if annots else ""
        kids.append(
            add(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_num(size[0])} {_num(size[1])}] "
                f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> {listed}"
                f"/Contents {contents} 0 R >>".encode()
            )
        )
    form = f" /AcroForm << /Fields [{' '.join(f'{f} 0 R' for f in fields)}] /SigFlags 0 >>"
    objects[0] = f"<< /Type /Catalog /Pages 2 0 R{form if fields else ''} >>".encode()
    objects[1] = (
        f"<< /Type /Pages /Count {len(kids)} /Kids [{' '.join(f'{k} 0 R' for k in kids)}] >>"
    ).encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
