"""Edits to .xlsx/.docx zip containers that no Office library will make: the hostile files
and the details (a formula's saved value) that the tests need; and minimal OpenDocument
packages (.ods, .odt) written as LibreOffice lays them out.

Each editing helper copies a container part by part, so the rest of the file stays as the
library wrote it.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape


def rewrite_part(container: bytes, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The container with part `name` replaced by `edit(old content)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(container)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == name:
                data = edit(data)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def inflate_part(container: bytes, name: str, extra_bytes: int) -> bytes:
    """The container with `extra_bytes` spaces added at the end of XML part `name`,
    streamed through the compressor so the test never holds them: a zip bomb whose sizes
    are honest (a few hundred KB that unpack to `extra_bytes`)."""
    out = io.BytesIO()
    chunk = b" " * 1_048_576
    with zipfile.ZipFile(io.BytesIO(container)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != name:
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            target = zipfile.ZipInfo(info.filename, info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(target, "w") as part:
                part.write(data)
                for _ in range(extra_bytes // len(chunk)):
                    part.write(chunk)
    return out.getvalue()


def understate_size(container: bytes, name: str, size: int = 1_000) -> bytes:
    """The container with part `name` said, in the central directory and its local header,
    to unpack to `size`: a bomb that lies about what it unpacks to."""
    data = bytearray(container)
    offset = data.find(b"PK\x01\x02")
    while offset >= 0:
        length = struct.unpack_from("<H", data, offset + 28)[0]
        if bytes(data[offset + 46 : offset + 46 + length]) == name.encode():
            struct.pack_into("<I", data, offset + 24, size)  # central directory
            local = struct.unpack_from("<I", data, offset + 42)[0]
            struct.pack_into("<I", data, local + 22, size)  # local header
        offset = data.find(b"PK\x01\x02", offset + 46)
    return bytes(data)


def many_parts(count: int) -> bytes:
    """A zip of `count` empty parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for index in range(count):
            dst.writestr(f"xl/part{index}.xml", b"")
    return out.getvalue()


ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODT = "application/vnd.oasis.opendocument.text"
ODF_NAMESPACES = " ".join(
    f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}:1.0"'
    for prefix, name in (
        ("office", "office"),
        ("text", "text"),
        ("table", "table"),
        ("style", "style"),
        ("draw", "drawing"),
        ("fo", "xsl-fo-compatible"),
    )
)


def odf_package(mimetype: str, body: str, styles: str = "") -> bytes:
    """A valid OpenDocument package: the stored "mimetype" part first, a manifest, and a
    content.xml whose automatic styles are `styles` and whose body is `body`."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {ODF_NAMESPACES} office:version="1.3">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        dst.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ods_cell(value: object = None, *, repeat: int = 1) -> str:
    """One spreadsheet cell as LibreOffice writes it: typed numbers, dates and booleans with
    their displayed text beside the value; `repeat`: number-columns-repeated."""
    from datetime import date

    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{rep}/>"
    if isinstance(value, bool):
        attrs, shown = (
            f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"',
            str(value).upper(),
        )
    elif isinstance(value, float | int):
        attrs, shown = f'office:value-type="float" office:value="{value}"', f"{value:,}"
    elif isinstance(value, date):
        attrs, shown = (
            f'office:value-type="date" office:date-value="{value.isoformat()}"',
            value.strftime("%d/%m/%y"),
        )
    else:
        attrs, shown = 'office:value-type="string"', str(value)
    return f"<table:table-cell {attrs}{rep}><text:p>{escape(shown)}</text:p></table:table-cell>"


def ods_sheet(name: str, rows: list[list[object]], style: str = "") -> str:
    """A sheet of rows of cell values (strings, numbers, dates; None: empty), ended as
    LibreOffice ends every sheet: one empty row repeated to the last of its million rows."""
    style_attr = f' table:style-name="{style}"' if style else ""
    out = [f'<table:table table:name="{name}"{style_attr}>']
    for row in rows:
        out.append("<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>")
    out.append(
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>'
    )
    return "".join(out)
