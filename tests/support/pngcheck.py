#!/usr/bin/env python3
"""pngcheck: is anything drawn in these regions of a screenshot?

usage: pngcheck.py SHOT.png REGIONS.json

REGIONS.json is a list of {"id", "x", "y", "w", "h"} in pixels of the PNG
(tests/integration/report_html.sh takes them from the report's chart
elements, measured in headless Chromium). For each region it prints the
share of pixels that differ from the region's background (its most common
colour) and how many are strongly coloured (chart series are; grid lines,
axes and text are grey). A region is blank when fewer than 30 coloured
pixels are in it: the gridlines alone do not pass. Exit 0 when no region
is blank, 1 otherwise, 2 on a PNG it cannot read.

Stdlib only (zlib): 8-bit RGB or RGBA, non-interlaced, as Chromium writes.
"""
import json
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(ftype, raw, prev, bpp):
    """One scanline: undo the PNG filter (RFC 2083, 6)."""
    out = bytearray(raw)
    n = len(out)
    if ftype == 0:
        return out
    if ftype == 2:
        return bytearray((x + y) & 0xFF for x, y in zip(raw, prev))
    if ftype == 1:
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif ftype == 3:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif ftype == 4:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            up_left = prev[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + paeth(left, prev[i], up_left)) & 0xFF
    else:
        raise ValueError("bad filter type %d" % ftype)
    return out


def read_png(path, max_rows):
    """(width, height, bpp, rows[:max_rows]) of an 8-bit RGB(A) PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if hdr is None:
        raise ValueError("no IHDR")
    width, height, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(min(height, max_rows)):
        start = y * (stride + 1)
        line = unfilter(raw[start], raw[start + 1:start + 1 + stride], prev, bpp)
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def check(rows, width, bpp, reg):
    x0, y0 = max(0, int(reg["x"])), max(0, int(reg["y"]))
    x1, y1 = min(width, int(reg["x"] + reg["w"])), min(len(rows), int(reg["y"] + reg["h"]))
    counts = {}
    for y in range(y0, y1):
        row = rows[y]
        for x in range(x0, x1):
            px = bytes(row[x * bpp:x * bpp + 3])
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    if not total:
        return 0, 0, 0
    bg = max(counts, key=counts.get)
    differ = coloured = 0
    for px, n in counts.items():
        if max(abs(px[i] - bg[i]) for i in range(3)) > 24:
            differ += n
        if max(px) - min(px) > 60:
            coloured += n
    return total, differ, coloured


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(sys.argv[2]) as f:
        regions = json.load(f)
    if not regions:
        print("no regions to check")
        return 1
    try:
        width, height, bpp, rows = read_png(sys.argv[1], int(max(r["y"] + r["h"] for r in regions)) + 1)
    except (OSError, ValueError, zlib.error) as e:
        print("cannot read %s: %s" % (sys.argv[1], e))
        return 2
    bad = 0
    for reg in regions:
        total, differ, coloured = check(rows, width, bpp, reg)
        blank = total == 0 or coloured < 30
        bad += blank
        print("%s %s: %d px, %.1f%% drawn, %d coloured" % ("BLANK" if blank else "ok", reg["id"], total,
                                                           100.0 * differ / total if total else 0, coloured))
    print("%dx%d screenshot, %d region(s), %d blank" % (width, height, len(regions), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
