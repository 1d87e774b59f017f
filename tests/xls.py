"""Small Excel 97-2003 (.xls) workbooks written by hand, so the tests need no .xls writer.

No maintained library writes .xls any more (xlwt stopped in 2017), so this writes the few
BIFF8 records a reader needs (a BOF, a date-format XF, one BOUNDSHEET per sheet, LABEL,
NUMBER and BOOLERR cells) inside a minimal OLE compound file, as Excel lays one out: a FAT
sector, a directory sector, and the "Workbook" stream at least 4096 bytes long so that it
lives in ordinary sectors. `encrypted=True` adds the FILEPASS record of a workbook saved
with a password.
"""

from __future__ import annotations

import struct
from datetime import date, datetime

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END, FREE, FAT_SECTOR, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
Cell = str | float | int | bool | date | None


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(substream: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, substream, 0x0DBB, 0x07CC, 0, 6))


def _xf(format_index: int) -> bytes:
    return _record(0x00E0, struct.pack("<HHHBBBBIiH", 0, format_index, 0, 0x20, 0, 0, 0, 0, 0, 0))


def _cell(row: int, col: int, value: Cell) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bool):
        return _record(0x0205, struct.pack("<HHHBB", row, col, 0, int(value), 0))
    if isinstance(value, date):
        moment = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
        serial = (moment - datetime(1899, 12, 30)).total_seconds() / 86400
        return _record(0x0203, struct.pack("<HHHd", row, col, 1, serial))
    if isinstance(value, int | float):
        return _record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))
    text = str(value).encode("utf-16-le")
    return _record(0x0204, struct.pack("<HHHHB", row, col, 0, len(text) // 2, 1) + text)


def _sheet(rows: list[list[Cell]]) -> bytes:
    cells = b"".join(_cell(r, c, v) for r, row in enumerate(rows) for c, v in enumerate(row))
    return _bof(0x0010) + cells + _record(0x000A, b"")


def workbook_stream(
    sheets: dict[str, list[list[Cell]]],
    hidden: frozenset[str] = frozenset(),
    encrypted: bool = False,
) -> bytes:
    """The BIFF8 "Workbook" stream of a workbook with these sheets (name: rows)."""
    head = _bof(0x0005)
    if encrypted:  # RC4 FILEPASS header; a reader stops here without the password
        head += _record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    head += _record(0x0022, struct.pack("<H", 0))  # DATEMODE: the 1900 system
    head += _xf(0) + _xf(14)  # XF 0: General; XF 1: the built-in date format m/d/yy
    bodies = [_sheet(rows) for rows in sheets.values()]
    names = list(sheets)

    def boundsheets(offsets: list[int]) -> bytes:
        out = b""
        for name, offset in zip(names, offsets, strict=True):
            encoded = name.encode("utf-16-le")
            state = 1 if name in hidden else 0
            data = struct.pack("<IBBBB", offset, state, 0, len(encoded) // 2, 1) + encoded
            out += _record(0x0085, data)
        return out

    start = len(head) + len(boundsheets([0] * len(names))) + 4  # + the globals' EOF
    offsets = []
    for body in bodies:
        offsets.append(start)
        start += len(body)
    return head + boundsheets(offsets) + _record(0x000A, b"") + b"".join(bodies)


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE compound file (version 3, 512-byte sectors) holding one stream."""
    stream = stream.ljust(max(len(stream), 4096), b"\0")
    sectors = -(-len(stream) // 512)
    assert sectors <= 126, "one FAT sector maps 128 sectors: keep test workbooks small"
    fat = [FAT_SECTOR, END] + [3 + i for i in range(sectors - 1)] + [END]
    fat += [FREE] * (128 - len(fat))
    header = CFB_MAGIC + bytes(16)
    header += struct.pack("<HHHHH6xIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, END, 0)
    header += struct.pack("<II", END, 0) + struct.pack("<109I", 0, *[FREE] * 108)

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (label + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, NO_STREAM, NO_STREAM, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, END, 0) + entry(name, 2, NO_STREAM, 2, len(stream))
    directory = directory.ljust(512, b"\0")
    return header + struct.pack("<128I", *fat) + directory + stream.ljust(sectors * 512, b"\0")


def xls(
    sheets: dict[str, list[list[Cell]]],
    hidden: frozenset[str] = frozenset(),
    encrypted: bool = False,
) -> bytes:
    """A .xls file with these sheets (name: rows of cells); dates get a date format."""
    return compound_file(workbook_stream(sheets, hidden, encrypted))
