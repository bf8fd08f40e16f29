#!/usr/bin/env python3
"""hostile_bundle: crafts hostile tar streams for analyze_hostile_bundles.sh.

usage: hostile_bundle.py CASE IN.tar [ARG] > OUT.tar   (a real bundle's tar)
       hostile_bundle.py split IN.tar head|tail [MEMBER] > OUT
       hostile_bundle.py flood N PREFIX [SUFFIX] > OUT.tar  (N empty members)
       hostile_bundle.py hugehdr NAME SIZE > OUT.tar    (a header, no data)

IN.tar is a real bundle, decompressed (`zstd -dc B.tar.zst`); the output is
an uncompressed tar on stdout (pipe it to `zstd` for a tar.zst). CASEs:

  links     a symlink manifest.json -> /etc/passwd comes first; snapshot 1
            gains, before its meta.json: a symlink snap/000001/proc/net/tcp
            -> /etc/passwd, a hard link to ../../outside, a character
            device, a block device and a fifo
  dupdir    snapshot 1's members (meta.json included) appear twice in a row
  dupmember snapshot 1's first net table appears again before its meta.json
  replay    snapshot 1's members again after the last snapshot's
  dupsnap   snapshot 2 is replaced by a copy of snapshot 1 renumbered 2:
            same content, same start and end times
  timewarp  snapshot 2's meta.json says it started ARG seconds (default
            3600) before snapshot 1 (wall and monotonic clocks)
  wallstep  the same for the wall clock only (NTP stepped it back)
  drop      snapshot ARG (default 2) left out: what a bundle without the
            duplicate or the out-of-order snapshot loads as
  version   the manifest's format_version set to ARG

split writes IN.tar's raw bytes up to the end of MEMBER (head; default: the
first member, the manifest) or from there on (tail, with the end-of-archive
blocks): a flood or a hostile header goes in between.

flood writes N ustar headers of empty regular members PREFIX000000000SUFFIX,
PREFIX000000001SUFFIX, ... with no end-of-archive blocks, fast enough for
ten million (a template header with the name and checksum patched).
hugehdr writes one ustar header whose size field is SIZE (decimal) in GNU
base-256 (first byte 0x80, big-endian), the form GNU tar uses above 8 GiB.
"""
import io
import json
import re
import sys
import tarfile

SNAP_RE = re.compile(r"^snap/(\d+)/(.*)$")


def members(path):
    """(TarInfo, data bytes) for every member of the tar at path."""
    out = []
    with tarfile.open(path, "r:") as t:
        for ti in t:
            data = t.extractfile(ti).read() if ti.isreg() else b""
            out.append((ti, data))
    return out


def snap_of(ti):
    m = SNAP_RE.match(ti.name)
    return int(m.group(1)) if m else 0


def clone(ti, name=None, data=None):
    n = tarfile.TarInfo(name if name is not None else ti.name)
    n.size = len(data) if data is not None else ti.size
    n.mtime, n.mode, n.uid, n.gid = ti.mtime, ti.mode, ti.uid, ti.gid
    n.uname, n.gname = ti.uname, ti.gname
    return n


def special(name, kind, link="", major=0, minor=0):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.devmajor, ti.devminor = kind, link, major, minor
    ti.mtime, ti.mode = 1795471118, 0o644
    return ti


class Writer:
    def __init__(self, out):
        self.tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.USTAR_FORMAT)

    def add(self, ti, data=b""):
        ti.size = len(data) if ti.isreg() else 0
        self.tar.addfile(ti, io.BytesIO(data) if ti.isreg() else None)

    def close(self):
        self.tar.close()


def case_links(ms, w, _arg):
    net = next(ti.name for ti, _ in ms if snap_of(ti) == 1 and "/net/" in ti.name)
    extra = [
        special("snap/000001/proc/net/tcp", tarfile.SYMTYPE, "/etc/passwd"),
        special(net + "-hard", tarfile.LNKTYPE, "../../outside"),
        special("snap/000001/dev/zero", tarfile.CHRTYPE, major=1, minor=5),
        special("snap/000001/dev/sda", tarfile.BLKTYPE, major=8, minor=0),
        special("snap/000001/fifo", tarfile.FIFOTYPE),
        # escape sequences that would retitle and clear a terminal
        special("snap/000001/\x1b]0;owned\x07", tarfile.SYMTYPE, "/etc/\x1b[2J"),
    ]
    w.add(special("manifest.json", tarfile.SYMTYPE, "/etc/passwd"))
    for ti, data in ms:
        if ti.name == "snap/000001/meta.json":
            for e in extra:
                w.add(e)
        w.add(clone(ti), data)


def case_dupdir(ms, w, _arg):
    one = [(ti, d) for ti, d in ms if snap_of(ti) == 1]
    for ti, data in ms:
        w.add(clone(ti), data)
        if ti.name == "snap/000001/meta.json":
            for t2, d2 in one:
                w.add(clone(t2), d2)


def case_dupmember(ms, w, _arg):
    first = next((ti, d) for ti, d in ms if snap_of(ti) == 1 and "/net/" in ti.name)
    for ti, data in ms:
        if ti.name == "snap/000001/meta.json":
            w.add(clone(first[0]), first[1])
        w.add(clone(ti), data)


def case_dupsnap(ms, w, _arg):
    one = [(ti, d) for ti, d in ms if snap_of(ti) == 1]
    done = False
    for ti, data in ms:
        if snap_of(ti) != 2:
            w.add(clone(ti), data)
            continue
        if done:
            continue
        done = True
        for t1, d1 in one:
            name = t1.name.replace("snap/000001/", "snap/000002/", 1)
            if name.endswith("/meta.json"):
                meta = json.loads(d1)
                meta["snapshot"] = 2
                d1 = json.dumps(meta, separators=(",", ":")).encode()
            w.add(clone(t1, name, d1), d1)


def case_replay(ms, w, _arg):
    one = [(ti, d) for ti, d in ms if snap_of(ti) == 1]
    last = max(snap_of(ti) for ti, _ in ms)
    for ti, data in ms:
        w.add(clone(ti), data)
        if ti.name == "snap/%06d/meta.json" % last:
            for t1, d1 in one:
                w.add(clone(t1), d1)


def case_drop(ms, w, arg):
    n = int(arg or 2)
    for ti, data in ms:
        if snap_of(ti) != n:
            w.add(clone(ti), data)


def case_version(ms, w, arg):
    for ti, data in ms:
        if ti.name == "manifest.json":
            data = re.sub(rb'"format_version":\s*\d+', b'"format_version":' + arg.encode(), data)
        w.add(clone(ti, data=data), data)


def case_wallstep(ms, w, arg):
    case_timewarp(ms, w, arg, wall_only=True)


def case_timewarp(ms, w, arg, wall_only=False):
    back = int(arg or 3600) * 10**9
    first = json.loads(next(d for ti, d in ms if ti.name == "snap/000001/meta.json"))
    for ti, data in ms:
        if ti.name == "snap/000002/meta.json":
            meta = json.loads(data)
            for k in ("started", "ended"):
                delta = meta[k]["wall_ns"] - meta["started"]["wall_ns"]
                meta[k]["wall_ns"] = first["started"]["wall_ns"] - back + delta
                if not wall_only:
                    meta[k]["mono_ns"] = first["started"]["mono_ns"] - back + delta
                meta[k].pop("wall", None)
            data = json.dumps(meta, separators=(",", ":")).encode()
        w.add(clone(ti, data=data), data)


def case_split(path, which, after=None):
    """IN.tar's raw bytes up to the end of member after (head), or the rest."""
    with tarfile.open(path, "r:") as t:
        for ti in t:
            if after is None or ti.name == after:
                break
        else:
            sys.exit("hostile_bundle: no member %s" % after)
        cut = ti.offset_data + (ti.size + 511) // 512 * 512
    with open(path, "rb") as f:
        raw = f.read()
    sys.stdout.buffer.write(raw[:cut] if which == "head" else raw[cut:])


def ustar_header(name, size_field, typeflag=b"0"):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size_field
    h[136:148] = b"14750531400\0"
    h[156:157] = typeflag
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    return h


def flood(n, prefix, suffix, out):
    name = prefix.encode()
    digits = len(name) + 9
    h = ustar_header(name + b"0" * 9 + suffix.encode(), b"00000000000\0")
    h[148:156] = b"        "
    base = sum(h) - ord("0") * 9
    buf = bytearray()
    for i in range(n):
        d = b"%09d" % i
        h[len(name):digits] = d
        h[148:156] = b"%06o\0 " % (base + sum(d))
        buf += h
        if len(buf) >= 1 << 20:
            out.write(buf)
            buf = bytearray()
    out.write(buf)


def hugehdr(name, size, out):
    field = b"\x80" + size.to_bytes(11, "big")
    out.write(ustar_header(name.encode(), field))


CASES = {
    "links": case_links, "dupdir": case_dupdir, "dupmember": case_dupmember,
    "dupsnap": case_dupsnap, "timewarp": case_timewarp, "wallstep": case_wallstep, "replay": case_replay,
    "drop": case_drop, "version": case_version,
}


def main(argv):
    if len(argv) >= 4 and argv[1] == "flood":
        flood(int(argv[2]), argv[3], argv[4] if len(argv) > 4 else "", sys.stdout.buffer)
        return 0
    if len(argv) == 4 and argv[1] == "hugehdr":
        hugehdr(argv[2], int(argv[3]), sys.stdout.buffer)
        return 0
    if len(argv) in (4, 5) and argv[1] == "split":
        case_split(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
        return 0
    if len(argv) < 3 or argv[1] not in CASES:
        sys.stderr.write(__doc__)
        return 2
    ms = members(argv[2])
    w = Writer(sys.stdout.buffer)
    CASES[argv[1]](ms, w, argv[3] if len(argv) > 3 else None)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
