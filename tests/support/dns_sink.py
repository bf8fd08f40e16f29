#!/usr/bin/env python3
"""dns_sink: a DNS server that never answers, on ADDR port 53, for
tests/integration/collect_pprof_faults.sh: what a resolver looks like on a
host in trouble. Every query it swallows is one line in LOG.

    dns_sink.py ADDR LOG

Prints "ready" once it listens, then serves until killed.
"""
import socket
import sys

addr, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
print("ready", flush=True)
with open(log, "a") as out:
    while True:
        data, peer = s.recvfrom(4096)
        out.write("query of %d bytes from %s:%d\n" % (len(data), peer[0], peer[1]))
        out.flush()
