"""desk_app: the security administrators' workbench of a state education agency."""

import sys as _sys

# PyMuPDF 2.0 loads its optional ONNX page-layout models (``pymupdf.layout``) and its
# Markdown / LLM helpers (``pymupdf4llm``, which pulls in onnxruntime, numpy and networkx) on
# ``import pymupdf``: about 1.3 s and 70-130 MB here, for analysis desk_app never asks for.
# pymupdf treats either one missing as "not installed". Marking both absent here, before any
# desk_app module imports pymupdf, spares the GUI, the CLI and the PDF sandbox child alike.
if "pymupdf" not in _sys.modules:
    _sys.modules.setdefault("pymupdf.layout", None)  # type: ignore[arg-type]
    _sys.modules.setdefault("pymupdf4llm", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
APP_NAME = "desk_app"
APP_TITLE = "Desk App — Web Systems Security"
ORG_NAME = "StateEducationAgency"
