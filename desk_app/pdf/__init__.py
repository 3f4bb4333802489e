"""PDF engine: the form catalogue, generation (reportlab), rendering, filling and reading
(PyMuPDF), barcodes (segno / zxing-cpp) and a sandbox for untrusted documents.

Imports neither Qt nor the database. PyMuPDF is not thread-safe: every call into it in this
package runs on one owner thread per process (see :mod:`desk_app.pdf.mupdf`).
"""
