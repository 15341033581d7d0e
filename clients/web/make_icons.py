"""``make web``: draw the app's icons (``app/icons/icon-192.png``, ``icon-512.png``).

Drawn from shapes here rather than kept as opaque binaries, so that anyone can see
what the icon is and change it: a white contact card (a head and two lines) on the
product's teal, filling the whole square so that a phone may crop it to its own
mask shape. Plain PNG written with zlib, no imaging library; every row is stored
unfiltered, so ``scanlines()`` of the committed file can be compared with a fresh
drawing whatever zlib version compressed it (tests/web/test_bundle.py does).
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

WEB = Path(__file__).resolve().parent
SIZES = (192, 512)
TEAL = (15, 95, 115)
WHITE = (255, 255, 255)
SAMPLES = 2  # per axis: 2 x 2 samples a pixel smooth the edges


def icon_path(size: int, web: Path = WEB) -> Path:
    return web / "app" / "icons" / f"icon-{size}.png"


def _inside_rounded(x: float, y: float, left: float, top: float, right: float,
                    bottom: float, radius: float) -> bool:
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2 and left <= x <= right and top <= y <= bottom


def _paint(u: float, v: float) -> tuple[int, int, int]:
    """The colour at (u, v) in the unit square; the card sits inside the central 60 %."""
    if not _inside_rounded(u, v, 0.20, 0.27, 0.80, 0.73, 0.05):
        return TEAL
    if (u - 0.34) ** 2 + (v - 0.45) ** 2 <= 0.075 ** 2:  # the head
        return TEAL
    if (u - 0.34) ** 2 + (v - 0.62) ** 2 <= 0.11 ** 2 and v <= 0.66:  # the shoulders
        return TEAL
    for top in (0.40, 0.52):  # two lines of text
        if _inside_rounded(u, v, 0.48, top, 0.72, top + 0.05, 0.025):
            return TEAL
    return WHITE


def pixels(size: int) -> bytes:
    """RGB rows, top to bottom, each preceded by PNG's filter byte 0 (none)."""
    out = bytearray()
    step = 1 / (size * SAMPLES)
    for row in range(size):
        out.append(0)
        for col in range(size):
            total = [0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    colour = _paint((col * SAMPLES + sx + 0.5) * step,
                                    (row * SAMPLES + sy + 0.5) * step)
                    for i in range(3):
                        total[i] += colour[i]
            out += bytes(round(t / SAMPLES ** 2) for t in total)
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(size: int) -> bytes:
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(pixels(size), 9)) + _chunk(b"IEND", b""))


def scanlines(data: bytes) -> tuple[int, bytes]:
    """(width, decompressed rows) of a PNG written by :func:`png`."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, width, idat = 8, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, zlib.decompress(idat)


def main() -> int:
    for size in SIZES:
        target = icon_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png(size))
        print(f"{target.relative_to(WEB)}: {size} x {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
