"""Small PDFs with a real text layer, written by hand so the tests need no PDF library.

`tiny_pdf` sets each line as one string, as a word processor does; `table_pdf` places each
cell at its own x position with no spaces between cells, as report generators do.
"""

from __future__ import annotations


def _pdf(streams: list[str]) -> bytes:
    pages = len(streams)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids ["
        + " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
        + f"] /Count {pages} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(streams):
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def tiny_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A PDF whose every page shows `lines`, one string per line."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    return _pdf([f"BT /F1 10 Tf 13 TL 50 750 Td {shown} ET"] * pages)


def table_pdf(rows: list[list[str]], xs: list[int]) -> bytes:
    """A one-page PDF with each row's cells drawn at the x positions `xs`."""
    parts = []
    for r, row in enumerate(rows):
        y = 750 - 14 * r
        parts.extend(
            f"BT /F1 10 Tf {x} {y} Td ({cell}) Tj ET" for x, cell in zip(xs, row, strict=False)
        )
    return _pdf([" ".join(parts)])
