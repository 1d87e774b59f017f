"""Attachments: safe file names, and which inline images are decoration (logos, signature
images, tracking pixels shown small) rather than the photos a customer sent."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from urllib.parse import unquote

from intake.parsers.message import Attachment
from intake.parsers.mime.limits import (
    _CALENDAR_TYPES,
    _EXTENSIONS,
    _SIGNATURE_TYPES,
    _WINDOWS_RESERVED,
    MAX_FILENAME,
)
from intake.parsers.text import clean_line


def _extension(content_type: str) -> str:
    ext = _EXTENSIONS.get(content_type)
    if ext is None:
        try:
            ext = mimetypes.guess_extension(content_type, strict=False) or ".bin"
        except Exception:
            ext = ".bin"
    return ext


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name safe to store and show: no path, no control or bidi characters, no
    "..", no Windows-reserved characters or names, at most MAX_FILENAME characters, never
    empty ("attachment-<index>.<ext>" from the content type when the sender gave none).
    """
    text = clean_line(name or "")
    text = text.replace("\\", "/")
    text = next((p for p in reversed(text.split("/")) if p.strip(" .")), "")
    text = re.sub(r'[<>:"|?*]', "_", text)
    text = re.sub(r"\.{2,}", ".", text).strip(" .")
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            text = stem[: MAX_FILENAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_FILENAME].rstrip(" .")
    if not text:
        text = f"attachment-{index}{_extension(content_type)}"
    return text


@dataclass
class _Leaf:
    """An attachment before the inline/real decision, which needs the whole message read."""

    filename: str
    content_type: str
    content: bytes
    disposition: str | None
    content_id: str | None
    in_related: bool


def _finish_attachments(
    leaves: list[_Leaf], cids: set[str], shown: dict[str, str] | None = None
) -> tuple[Attachment, ...]:
    """Inline or real, safe names, and one copy of a calendar sent twice (body + .ics).

    An image the body shows is a photo the sender pasted (real) unless it is decoration: a
    logo or icon by its name, small as shown, or shown in the signature (`shown`: what the
    HTML says of each image it shows, see `_shown_images`)."""
    shown = shown or {}
    result: list[Attachment] = []
    seen_calendars: set[bytes] = set()
    for leaf in leaves:
        if leaf.content_type in _CALENDAR_TYPES:
            key = leaf.content.replace(b"\r\n", b"\n").strip()
            if key in seen_calendars:
                continue
            seen_calendars.add(key)
        cid = (leaf.content_id or "").strip().strip("<>").strip()
        cid_key = cid.lower()
        referenced = bool(cid_key) and cid_key in cids
        image = leaf.content_type.startswith("image/")
        shown_in_body = leaf.disposition != "attachment" and (
            leaf.in_related or (leaf.disposition == "inline" and bool(cid_key))
        )
        # A signature or the calendar's own part is no file a person attached
        inline = leaf.content_type in _SIGNATURE_TYPES | _CALENDAR_TYPES or (
            image and (referenced or shown_in_body) and _is_decoration(leaf, shown.get(cid_key))
        )
        name = leaf.filename
        if not name and leaf.content_type in _CALENDAR_TYPES:
            name = "invite.ics"
        result.append(
            Attachment(
                filename=safe_filename(name, leaf.content_type, len(result) + 1),
                content_type=leaf.content_type,
                content=leaf.content,
                inline=inline,
                content_id=clean_line(cid)[:500] or None,
            )
        )
    return tuple(result)


# Names of images that decorate a mail rather than show the problem.
_DECORATION_NAME = re.compile(
    r"logo|signature|(?<![a-z])sig(?![a-z])|banner|icon|emblem|badge|facebook|linkedin|"
    r"twitter|instagram|youtube|spacer|pixel",
    re.IGNORECASE,
)
# A camera's or phone's own file name: "IMG_2231.jpeg", "DSC01234.JPG", "PXL_20271102_..."
_CAMERA_NAME = re.compile(r"(?:IMG|DSCN?|DCIM|PXL|MVIMG|GOPR|P)[_-]?\d{3,}", re.IGNORECASE)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_CID = re.compile(r"""src\s*=\s*["']?\s*cid:([^"'\s>]+)""", re.IGNORECASE)
_IMG_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_IMG_SIZE = re.compile(
    r"""(?<![\w-])(width|height)\s*(?:=\s*["']?|:\s*)(\d+(?:\.\d+)?|\.\d+)\s*(px|in|pt)?""",
    re.IGNORECASE,
)
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d|/table)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_SIGN_OFF_LINE = re.compile(
    r"^[ \t]*(?:--|thanks|thank you|thx|regards|best regards|kind regards|warm regards|"
    r"best|cheers|sincerely|merci|cordialement|salutations)\b[^\n]{0,30}$",
    re.IGNORECASE | re.MULTILINE,
)
_UNIT_PX = {"in": 96.0, "pt": 96 / 72}
# Where a forwarded or quoted message starts in the HTML's text: an image below it is that
# message's, so the forwarder's sign-off above says nothing of it
_QUOTED_HEADER = re.compile(
    r"^[ \t]*(?:(?:from|de|von)[ \t]*:[^\n]*\n[ \t]*(?:sent|date|envoy[ée]|gesendet)[ \t]*:"
    r"|-{2,}[ \t]*(?:original message|forwarded message|message d'origine)[ \t]*-{2,})",
    re.IGNORECASE | re.MULTILINE,
)


def _shown_images(html: str) -> dict[str, str]:
    """What an HTML body says of each image it shows by Content-ID: "decoration" (named a
    logo, or small as shown), "signature" (after the sign-off: a logo unless its file is a
    photo a camera named, which Apple Mail puts below the signature), "content" (shown at
    the size of a photo, before any sign-off) or "unsized" (no size given)."""
    out: dict[str, str] = {}
    for tag in _IMG_TAG.finditer(html):
        cid = _IMG_CID.search(tag.group(0))
        if not cid:
            continue
        key = unquote(cid.group(1)).strip("<>").lower()
        if key in out:
            continue
        alt = _IMG_ALT.search(tag.group(0))
        size: dict[str, float] = {}
        for m in _IMG_SIZE.finditer(tag.group(0)):
            size.setdefault(
                m.group(1).lower(),
                float(m.group(2)) * _UNIT_PX.get((m.group(3) or "").lower(), 1.0),
            )
        before = _ANY_TAG.sub(" ", _BLOCK_TAG.sub("\n", html[: tag.start()]))
        quoted = list(_QUOTED_HEADER.finditer(before))  # the sign-off of this message only
        if alt and _DECORATION_NAME.search(alt.group(1) or alt.group(2) or ""):
            out[key] = "decoration"
        elif _SIGN_OFF_LINE.search(before, quoted[-1].end() if quoted else 0):
            out[key] = "signature"
        elif "width" in size or "height" in size:
            small = _small_as_shown(size.get("width"), size.get("height"))
            out[key] = "decoration" if small else "content"
        else:
            out[key] = "unsized"
    return out


def _small(width: float | None, height: float | None) -> bool:
    """A logo, icon or spacer as shown: fits 240 x 120, or a strip at most 60 high or wide."""
    if width is not None and height is not None and width <= 240 and height <= 120:
        return True
    return any(x is not None and x <= 60 for x in (width, height))


def _small_as_shown(width: float | None, height: float | None) -> bool:
    """`_small`, but a picture shown in a photo's shape (4:3, 3:4, 16:9) is a photo however
    small the sender made it ("160 x 120"); logos are strips ("180 x 48") or icons."""
    if width and height and width / height < _LOGO_ASPECT and min(width, height) > 60:
        return False
    return _small(width, height)


_LOGO_ASPECT = 2.5  # width to height: a wordmark is wider than any photo's shape


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Pixel width and height from a PNG, GIF or JPEG header; None if it cannot be read."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        i, end = 2, min(len(data), 262_144) - 9
        while i < end:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                    data[i + 5 : i + 7], "big"
                )
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def _is_decoration(leaf: _Leaf, shown: str | None) -> bool:
    """An image the body shows that is a logo, icon or spacer, not a pasted photo."""
    if shown == "decoration" or _DECORATION_NAME.search(leaf.filename):
        return True
    if shown == "content" or _CAMERA_NAME.match(leaf.filename):
        return False  # a photo as a camera or phone names it, however small it was sent
    if shown == "signature":
        return True
    size = _image_size(leaf.content)  # shown without a size, or not shown by the HTML
    return size is not None and _small(float(size[0]), float(size[1]))
