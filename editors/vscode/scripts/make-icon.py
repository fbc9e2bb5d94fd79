#!/usr/bin/env python3
"""Draws images/icon.png (256×256), the extension's icon, with the standard library only:
a 3×3 mosaic of tiles (a Mantile workspace's files) on a dark rounded square, one tile amber
(the finding) with a check mark beside it. Run: python3 scripts/make-icon.py"""
import os
import struct
import zlib

SIZE, SS = 256, 4  # pixels, supersamples per axis


def rounded(x, y, x0, y0, x1, y1, r):
    """Whether (x, y) lies in the rectangle (x0, y0)-(x1, y1) with corners of radius r."""
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def near_segment(x, y, ax, ay, bx, by, w):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= (w / 2) ** 2


BG = (0x1B, 0x26, 0x3B)
TEALS = [(0x2A, 0x9D, 0x8F), (0x26, 0x8C, 0x80), (0x33, 0xAE, 0x9F)]
AMBER = (0xF4, 0xA2, 0x61)
WHITE = (0xF8, 0xF9, 0xFA)
tiles = []
for row in range(3):
    for col in range(3):
        x0, y0 = 40 + col * 60, 40 + row * 60
        color = AMBER if (row, col) == (2, 2) else TEALS[(row + col) % 3]
        tiles.append((x0, y0, x0 + 52, y0 + 52, color))


def color_at(x, y):
    """The colour at a point, or None outside the icon (transparent)."""
    c = None
    if rounded(x, y, 4, 4, 252, 252, 44):
        c = BG
    for x0, y0, x1, y1, tc in tiles:
        if rounded(x, y, x0, y0, x1, y1, 9):
            c = tc
    # A check mark over the amber tile's corner: found, and fixed.
    if near_segment(x, y, 176, 206, 196, 226, 14) or near_segment(x, y, 196, 226, 236, 170, 14):
        c = WHITE
    return c


rows = []
for py in range(SIZE):
    row = bytearray([0])  # filter: none
    for px in range(SIZE):
        acc = [0, 0, 0, 0]
        for sy in range(SS):
            for sx in range(SS):
                c = color_at(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                if c:
                    acc[0] += c[0]
                    acc[1] += c[1]
                    acc[2] += c[2]
                    acc[3] += 1
        n = acc[3]
        if n:
            row += bytes([acc[0] // n, acc[1] // n, acc[2] // n, 255 * n // (SS * SS)])
        else:
            row += b"\0\0\0\0"
    rows.append(bytes(row))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "images", "icon.png")
with open(out, "wb") as f:
    f.write(png)
print(f"wrote {os.path.normpath(out)} ({len(png)} bytes)")
