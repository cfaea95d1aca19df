"""Photos to upload in tests: real images made with Pillow, with the EXIF a phone writes, and hostile files."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

# 北京市昌平区, as a phone's GPS writes it: degrees, minutes, seconds.
CHANGPING_DMS = ((40, 13, 12.5), (116, 14, 6.0))
CHANGPING = (40.220139, 116.235)


def photo_bytes(
    size=(400, 300),
    *,
    format="JPEG",
    color=(200, 30, 30),
    orientation: int | None = None,
    gps=None,
    gps_refs: str = "NE",
    taken: str | None = None,
    offset: str | None = None,
    comment: bytes | None = None,
) -> bytes:
    """An image whose left half is `color` and right half white (so a rotation is visible), with EXIF."""
    mode = "RGBA" if format == "PNG" and len(color) == 4 else "RGB"
    image = Image.new(mode, size, (255, 255, 255) if mode == "RGB" else (255, 255, 255, 255))
    image.paste(color, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is not None:
        (lat, lng), refs = gps, gps_refs
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = refs[0]
        info[ExifTags.GPS.GPSLatitude] = lat
        info[ExifTags.GPS.GPSLongitudeRef] = refs[1]
        info[ExifTags.GPS.GPSLongitude] = lng
    if taken is not None:
        details = exif.get_ifd(ExifTags.IFD.Exif)
        details[ExifTags.Base.DateTimeOriginal] = taken
        if offset is not None:
            details[ExifTags.Base.OffsetTimeOriginal] = offset
    options = {"exif": exif.tobytes()} if len(exif) or exif.get_ifd(ExifTags.IFD.GPSInfo) else {}
    if comment is not None and format == "JPEG":
        options["comment"] = comment
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares width × height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class CountingUpload:
    """An upload that says how many bytes were read from it (and does not say its size up front)."""

    size = None

    def __init__(self, total: int, chunk: int = 64 * 1024):
        self.total, self.chunk, self.read_bytes = total, chunk, 0

    def chunks(self):
        while self.read_bytes < self.total:
            part = b"\xff" * min(self.chunk, self.total - self.read_bytes)
            self.read_bytes += len(part)
            yield part
