"""Why a PDF was refused."""

from __future__ import annotations

from desk_app.errors import KnownError


class PdfRejected(KnownError):
    """A PDF (or image) that we will not open, with the reason in plain words.

    A :class:`~desk_app.errors.KnownError`: the operator is shown the reason (never a crash
    report), and the CLI exits with it.

    Attributes:
        reason: a sentence for the operator, e.g. "the PDF contains JavaScript, which we never run".
        code: a short stable key for tests and logs (``malformed``, ``encrypted``,
            ``javascript``, ``launch``, ``embedded_file``, ``too_big``, ``too_many_pages``,
            ``timeout``, ``crashed``, ``signed``, ``not_a_form``, ``unsupported``).
    """

    def __init__(self, reason: str, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __reduce__(self) -> tuple[type[PdfRejected], tuple[str, str]]:
        # travels back from the sandbox child process intact
        return (PdfRejected, (self.reason, self.code))
