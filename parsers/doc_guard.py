"""Checks that run before a document library opens bytes a stranger sent.

.xlsx and .docx files are zip containers, and the libraries that read them (openpyxl,
python-docx) trust the container: they read whole parts with `ZipFile.read`, which inflates
a part's compressed bytes in one call whatever size the directory declares. A 5 MB zip bomb
then becomes gigabytes in memory before any check of theirs runs. So the container is
checked first, with bounded work and memory: every part's declared size against caps, and
every deflated part inflated here in 64 KiB steps to prove it unpacks to exactly its
declared size. After that the declared sizes bound what the libraries can allocate.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted OOXML
MAX_PARTS = 1_000  # a real workbook or document has tens of parts, a heavy one a few hundred
MAX_UNPACKED = 50_000_000  # bytes of all parts together, as declared and as proved
MAX_XML_PART = 10_000_000  # bytes of one XML part: libraries hold a parsed part in memory
_CHUNK = 65_536
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")


class Refused(ValueError):
    """A document not read on purpose; the message says why, for the log."""


def check_zip(
    content: bytes,
    *,
    max_parts: int = MAX_PARTS,
    max_unpacked: int = MAX_UNPACKED,
    max_xml_part: int = MAX_XML_PART,
) -> None:
    """Raise `Refused` unless `content` is a zip whose parts are few, small and honest."""
    if content.startswith(CFB_MAGIC):
        raise Refused("an OLE compound file: password-protected, or an old binary format")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise Refused(f"not a zip container ({exc})") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > max_parts:
            raise Refused(f"{len(parts)} parts (limit {max_parts})")
        declared = sum(p.file_size for p in parts)
        if declared > max_unpacked:
            raise Refused(f"parts unpack to {declared} bytes (limit {max_unpacked})")
        for part in parts:
            if part.flag_bits & 0x1:
                raise Refused(f"part {part.filename!r} is encrypted")
            if part.filename.lower().endswith((".xml", ".rels")) and part.file_size > max_xml_part:
                raise Refused(f"part {part.filename!r} is {part.file_size} bytes of XML")
            _prove_size(content, part)


def _prove_size(content: bytes, part: zipfile.ZipInfo) -> None:
    """Inflate one part in small steps; it must unpack to exactly its declared size."""
    if part.compress_type == zipfile.ZIP_STORED:
        if part.compress_size != part.file_size:
            raise Refused(f"part {part.filename!r}: stored sizes disagree")
        return
    if part.compress_type != zipfile.ZIP_DEFLATED:  # Office writes deflate; bzip2/lzma: no
        raise Refused(f"part {part.filename!r}: compression method {part.compress_type}")
    start = part.header_offset
    header = content[start : start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        raise Refused(f"part {part.filename!r}: header outside the file")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        raise Refused(f"part {part.filename!r}: bad local header")
    data_start = start + _LOCAL_HEADER.size + fields[9] + fields[10]
    compressed = memoryview(content)[data_start : data_start + part.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        for offset in range(0, len(compressed), _CHUNK):
            pending = compressed[offset : offset + _CHUNK]
            while pending:
                produced += len(inflater.decompress(pending, _CHUNK))
                if produced > part.file_size:
                    raise Refused(f"part {part.filename!r} unpacks past its declared size")
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        produced += len(inflater.flush(_CHUNK))
    except zlib.error as exc:
        raise Refused(f"part {part.filename!r} does not inflate ({exc})") from None
    if produced != part.file_size or not inflater.eof:
        raise Refused(f"part {part.filename!r} unpacks to {produced}, not {part.file_size}")
