"""Why a PDF was refused."""

from __future__ import annotations


class PdfRejected(Exception):
    """A PDF (or image) that we will not open, with the reason in plain words.

    Attributes:
        reason: a sentence for the operator, e.g. "the PDF contains JavaScript".
        code: a short stable key for tests and logs (``malformed``, ``encrypted``,
            ``javascript``, ``launch``, ``embedded_file``, ``too_big``, ``too_many_pages``,
            ``timeout``, ``not_a_form``, ``unsupported``).
    """

    def __init__(self, reason: str, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __reduce__(self) -> tuple[type[PdfRejected], tuple[str, str]]:
        # travels back from the sandbox child process intact
        return (PdfRejected, (self.reason, self.code))
