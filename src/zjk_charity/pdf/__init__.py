"""Every PDF the toolkit writes (campaign reports, 申请审批表), from one engine.

The only place that imports the PDF engine (typst) and fontTools, as ``workbook/`` is
for spreadsheets: ``fonts`` finds a Chinese font (the ``pdf_font`` setting or the
system's), ``glyphs`` checks that it can draw every character, ``engine`` typesets a
template with JSON data. Both libraries are imported inside functions, so importing
this package costs nothing until a PDF is made.
"""

from zjk_charity.pdf.engine import Rendered, render_pdf
from zjk_charity.pdf.fonts import Font, FontChoice, PdfUnavailable, is_font_file, pdf_fonts
from zjk_charity.pdf.glyphs import PLACEHOLDER, codepoint

__all__ = [
    "PLACEHOLDER",
    "Font",
    "FontChoice",
    "PdfUnavailable",
    "Rendered",
    "codepoint",
    "is_font_file",
    "pdf_fonts",
    "render_pdf",
]
