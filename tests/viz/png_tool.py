#!/usr/bin/env python3
"""Checks and shrinks zablab-viz screenshots, with the standard library only.

  png_tool.py check FILE [--width W] [--height H] [--max-bytes N]
      FILE is a PNG of that size whose pixels are not all alike (a real picture, not a blank
      window): at least 8 distinct colours and 2% of the pixels away from the corner colour.
  png_tool.py shrink IN OUT [--colors 256]
      rewrites an RGB screenshot as an indexed PNG (the most frequent colours, every other pixel
      mapped to the nearest), for docs/images (kept under 300 KB).
"""
import argparse
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_png(path):
    data = open(path, "rb").read()
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError("no IHDR chunk first")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or color not in (2, 3, 6) or interlace:
        raise ValueError("expected 8-bit RGB/RGBA/indexed, not interlaced (depth %d, colour type %d)" % (depth, color))
    channels = {2: 3, 3: 1, 6: 4}[color]
    plte = b"".join(body for kind, body in chunks if kind == b"PLTE")
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif f != 0:
            raise ValueError("bad filter %d on row %d" % (f, y))
        rows.append(bytes(line))
        prev = line
    if color == 3:
        palette = [plte[i:i + 3] for i in range(0, len(plte), 3)]
        pixels = [[palette[i] for i in row] for row in rows]
    else:
        pixels = [[row[x * channels:x * channels + 3] for x in range(width)] for row in rows]
    return width, height, pixels


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def check(args):
    size = len(open(args.file, "rb").read())
    width, height, pixels = read_png(args.file)
    problems = []
    if args.width and width != args.width:
        problems.append("width %d, expected %d" % (width, args.width))
    if args.height and height != args.height:
        problems.append("height %d, expected %d" % (height, args.height))
    if args.max_bytes and size > args.max_bytes:
        problems.append("%d bytes, more than %d" % (size, args.max_bytes))
    corner = pixels[0][0]
    colours, differ, sampled = set(), 0, 0
    for y in range(0, height, 4):
        for x in range(0, width, 4):
            px = pixels[y][x]
            colours.add(px)
            differ += px != corner
            sampled += 1
    share = differ / max(1, sampled)
    if len(colours) < 8 or share < 0.02:
        problems.append("blank: %d colours, %.1f%% away from the corner colour" % (len(colours), share * 100))
    print("%s: %dx%d, %d bytes, %d colours sampled, %.0f%% not background" %
          (args.file, width, height, size, len(colours), share * 100))
    for p in problems:
        print("  problem: " + p)
    return 1 if problems else 0


def shrink(args):
    width, height, pixels = read_png(args.input)
    counts = {}
    for row in pixels:
        for px in row:
            counts[px] = counts.get(px, 0) + 1
    # Most frequent first, but skipping colours close to one already chosen, so rare hues (a
    # phase colour, a button) keep a slot instead of twenty shades of the background.
    by_count = [c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])]
    palette = []
    for spread in (24, 12, 6, 0):
        for c in by_count:
            if len(palette) == args.colors:
                break
            if c in palette:
                continue
            if all(sum((a - b) * (a - b) for a, b in zip(c, q)) > spread * spread for q in palette):
                palette.append(c)
    index = {c: i for i, c in enumerate(palette)}
    for c in counts:
        if c not in index:
            index[c] = min(range(len(palette)),
                           key=lambda i: sum((a - b) * (a - b) for a, b in zip(c, palette[i])))
    raw = bytearray()
    for row in pixels:
        raw.append(0)
        raw.extend(index[px] for px in row)
    out = SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    out += chunk(b"PLTE", b"".join(palette))
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    open(args.output, "wb").write(out)
    print("%s: %dx%d, %d colours -> %d, %d bytes" % (args.output, width, height, len(counts), len(palette), len(out)))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("file")
    c.add_argument("--width", type=int, default=0)
    c.add_argument("--height", type=int, default=0)
    c.add_argument("--max-bytes", type=int, default=0)
    s = sub.add_parser("shrink")
    s.add_argument("input")
    s.add_argument("output")
    s.add_argument("--colors", type=int, default=256)
    args = parser.parse_args()
    try:
        return check(args) if args.command == "check" else shrink(args)
    except (OSError, ValueError, zlib.error) as e:
        print("%s: %s" % (getattr(args, "file", getattr(args, "input", "?")), e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
