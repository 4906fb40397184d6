"""Small PNG photos for the demo's attachments, drawn in code (no image library needed)."""

import struct
import zlib


def _png(width: int, height: int, pixel) -> bytes:
    """A truecolour PNG; `pixel(x, y)` gives (r, g, b)."""
    rows = b"".join(
        b"\x00" + bytes(channel for x in range(width) for channel in pixel(x, y))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def crushed_box_png(width: int = 240, height: int = 180) -> bytes:
    """A cardboard box on a floor, one corner pushed in, a tear across the lid."""
    left, right, top, bottom = width // 6, width * 5 // 6, height // 5, height * 5 // 6

    def pixel(x, y):
        if not (left <= x < right and top <= y < bottom):
            return (226, 222, 214) if y < bottom else (168, 160, 150)
        if x - left + y - top < width // 5:  # the crushed corner
            return (120, 84, 48)
        if abs((y - top) - (x - left) // 3 - height // 6) < 2:  # the tear
            return (70, 50, 30)
        if abs(x - (left + right) // 2) < 3:  # the tape
            return (205, 180, 120)
        return (176, 128, 80)

    return _png(width, height, pixel)


def broken_item_png(width: int = 240, height: int = 180) -> bytes:
    """A white mug on a table with a dark crack down its side."""
    cx, cy, half_w, half_h = width // 2, height // 2, width // 5, height // 3

    def pixel(x, y):
        inside = abs(x - cx) < half_w and abs(y - cy) < half_h
        handle = half_w <= x - cx < half_w + 18 and abs(y - cy) < half_h // 2
        if inside and abs((x - cx) - (y - cy) // 2) < 2:
            return (40, 40, 48)
        if inside:
            return (244, 244, 240)
        if handle and not (half_w + 5 <= x - cx < half_w + 13 and abs(y - cy) < half_h // 3):
            return (236, 236, 232)
        return (92, 110, 140) if y > cy + half_h else (200, 210, 222)

    return _png(width, height, pixel)
