"""Signed means frozen: the form's field values when each signature was made, against now.

pyHanko's difference analysis calls a revision that only changes field values "form filling",
which Acrobat permits, so a requester could sign a form and then change the e-mail or the role
in it and the signature would still read as valid. Here the values of every field in the signed
revision (the file up to the end of the signature's byte range) are compared with the final
document:

- a field that had a value when signed and holds another one now (or is gone) is *modified after
  signing*, named with both values: ``Email (was a@x, now b@y)``;
- a field empty at signing that is filled now (the second signer's box, a username the agency
  fills) stays permitted, unless the signature's permissions forbid it: DocMDP "no changes", or a
  FieldMDP lock naming the field.

Only bytes in, plain data out (the caller may run this in a child process).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# the field kinds whose /V is a value the requester writes (signature fields are judged apart)
_VALUE_KINDS = frozenset({"/Tx", "/Btn", "/Ch"})
_MAX_DEPTH = 12  # a field tree deeper than this is malformed; stop rather than loop


@dataclass(frozen=True)
class FieldChange:
    """One field whose value changed after a signature was made."""

    name: str  # the field's full name (``user_1_email``)
    label: str  # its label on the form (``User 1 email``), else the name
    was: str
    now: str
    permitted: bool  # filled after signing, where the signature's permissions allow it

    @property
    def sentence(self) -> str:
        return f"{self.label} (was {self.was or 'empty'}, now {self.now or 'empty'})"


def _text(value: Any) -> str:
    """A field value as plain text (a name object loses its slash: ``/Yes`` -> ``Yes``)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    text = str(value)
    return text[1:] if text.startswith("/") else text


def _walk(
    node: Any, parent_name: str, kind: str, label: str, depth: int
) -> Iterator[tuple[str, str, str, str]]:
    """(full name, kind, label, value) of every terminal field under ``node``."""
    if depth > _MAX_DEPTH:
        return
    part = str(node.get("/T", "") or "")
    name = f"{parent_name}.{part}" if parent_name and part else (part or parent_name)
    kind = str(node.get("/FT", kind) or kind)
    label = str(node.get("/TU", "") or label or "").strip()
    kids = node.get("/Kids")
    named_kids = []
    if kids is not None:
        named_kids = [k.get_object() for k in kids if "/T" in k.get_object()]
    if named_kids:
        for kid in named_kids:
            yield from _walk(kid, name, kind, "", depth + 1)
        return
    if name:
        yield name, kind, label or name, _text(node.get("/V"))


def field_values(pdf: bytes) -> dict[str, tuple[str, str]]:
    """Every value field of the document: full name -> (label, value as text)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    form = reader.root.get("/AcroForm")
    if form is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    fields = form.get_object().get("/Fields")
    for ref in fields or ():
        for name, kind, label, value in _walk(ref.get_object(), "", "", "", 0):
            if kind in _VALUE_KINDS:
                out[name] = (label, value)
    return out


def _locked(sig: Any) -> tuple[bool, Any]:
    """(DocMDP forbids every change, the FieldMDP spec or None) of a pyHanko signature."""
    try:
        level = sig.docmdp_level
        fieldmdp = sig.fieldmdp
    except Exception:  # pyHanko raises many error types for a malformed permission dictionary
        return True, None  # unreadable permissions: judge as strictly as "no changes"
    no_changes = level is not None and getattr(level, "value", level) == 1
    return no_changes, fieldmdp


def signed_revision_bytes(pdf: bytes, byte_range: list[int]) -> bytes:
    """The file as it was signed: everything up to the end of the signature's byte range."""
    end = int(byte_range[2]) + int(byte_range[3])
    return pdf[:end]


def changes_after_signing(pdf: bytes, sig: Any) -> tuple[FieldChange, ...]:
    """The field changes between ``sig``'s signed revision and the final document.

    ``sig`` is pyHanko's ``EmbeddedPdfSignature`` read from ``pdf``.
    """
    signed = signed_revision_bytes(pdf, list(sig.sig_object["/ByteRange"]))
    if len(signed) >= len(pdf):
        return ()  # nothing was added after this signature
    before, after = field_values(signed), field_values(pdf)
    no_changes, fieldmdp = _locked(sig)
    changes = []
    for name in sorted(before.keys() | after.keys()):
        was_label, was = before.get(name, ("", ""))
        now_label, now = after.get(name, ("", "(removed)"))
        if was == now or (not was and name not in after):
            continue
        locked = no_changes or (fieldmdp is not None and fieldmdp.is_locked(name))
        permitted = not was and not locked
        changes.append(FieldChange(name, was_label or now_label or name, was, now, permitted))
    return tuple(changes)


def modified_sentence(changes: tuple[FieldChange, ...]) -> str:
    """The reviewer's words for the forbidden changes, or "" when there are none."""
    bad = [c.sentence for c in changes if not c.permitted]
    return "modified after signing: " + "; ".join(bad) if bad else ""
