"""Edits to .xlsx/.docx zip containers that no Office library will make: the hostile files
and the details (a formula's saved value) that the tests need.

Each helper copies a container part by part, so the rest of the file stays as the library
wrote it.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable


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
