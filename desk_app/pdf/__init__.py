"""PDF engine: the form catalogue, generation (reportlab), rendering, filling and reading
(PyMuPDF), barcodes (segno / zxing-cpp). Received documents are never opened with these
functions in the app's process: :mod:`desk_app.sandbox` runs them in a child.

Imports neither Qt nor the database. PyMuPDF is not thread-safe: every call into it in this
package runs on one owner thread per process (:func:`desk_app.pdf.mupdf.on_owner`); the public
functions below may be called from any thread.

Public API (the modules other areas rely on):

* ``catalogue``: ``FORMS``, ``get_form(number_or_key)``, ``form_by_key(key)``, ``find_form(name)``,
  ``FormSpec``, ``FieldSpec``, ``SectionSpec``, ``WEB_APPLICATIONS``, ``CHECKED``.
* ``validate``: ``field_problem(field, value)``, ``validate(spec, values)``;
  ``derive.derived_values(spec, values)``; ``samples.example_values(spec, variant, rows)``.
* ``generate.generate_form(number, prefill=None, token=None) -> bytes``.
* ``fill``: ``fill_form(pdf, values) -> bytes``, ``flatten(pdf)``, ``add_data_barcode(pdf, values=None)``,
  ``printable_copy(pdf)``.
* ``read``: ``read_form(data) -> FormReading`` (in process), ``read_document(doc)``,
  ``field_names_for(number, edition)``.
* ``render``: ``render_page(pdf, page, zoom, rotate=0) -> RenderedPage``, ``document_info(pdf)``,
  ``search_text(pdf, needle)``, ``forget(pdf)``.
* ``barcodes``: ``PageMark``, ``DataMark``, ``encode_page_mark``, ``parse_page_mark``,
  ``encode_data``, ``parse_data``, ``decode_image``, ``image_from_samples``, ``split_marks``.
* for anything from outside, the same calls answered by a child: ``desk_app.sandbox.api``.
* ``safety``: ``open_checked(data, max_bytes, max_pages)``, ``inspect(doc)``, ``check(doc)``,
  ``PdfReport``; ``errors.PdfRejected(reason, code)``.
"""
