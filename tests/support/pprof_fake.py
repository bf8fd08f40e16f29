#!/usr/bin/env python3
"""pprof_fake: a misbehaving (or well-behaved) /debug/pprof/ endpoint on
127.0.0.1 for tests/integration/collect_pprof_faults.sh.

    pprof_fake.py healthy   goroutine?debug=1 and ?debug=2 answer valid Go
                            dumps; goroutineleak says 404 (Go before 1.26)
    pprof_fake.py slow      like healthy, but each answer comes after 0.6 s
    pprof_fake.py hang      accepts, reads the request, never answers
    pprof_fake.py flood     answers 200 and streams "goroutine 1 [running]:"
                            lines, 1 GiB, until the client hangs up

Prints the port it listens on, then serves until killed.
"""
import socket
import sys
import threading
import time

DEBUG1 = b"""goroutine profile: total 3
2 @ 0x43a1f6 0x4068dc 0x406518 0x6e1f05 0x46e0c1
#	0x6e1f04	main.worker+0x44	/srv/fake/main.go:21

1 @ 0x43a1f6 0x46b2b5 0x6e2011 0x46e0c1
#	0x6e2010	main.main+0x90	/srv/fake/main.go:12

"""

DEBUG2 = b"""goroutine 1 [select]:
main.main()
	/srv/fake/main.go:12 +0x90

goroutine 7 [chan receive]:
main.worker(0xc000012345)
	/srv/fake/main.go:21 +0x44
created by main.main in goroutine 1
	/srv/fake/main.go:10 +0x3e

goroutine 8 [chan receive]:
main.worker(0xc000012346)
	/srv/fake/main.go:21 +0x44
created by main.main in goroutine 1
	/srv/fake/main.go:10 +0x3e

"""

FLOOD_LINE = b"goroutine 1 [running]:\n"


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else ""


def answer(conn, status, body):
    head = "HTTP/1.0 %s\r\nContent-Type: text/plain; charset=utf-8\r\n" \
           "Content-Length: %d\r\n\r\n" % (status, len(body))
    conn.sendall(head.encode() + body)


def healthy(conn, path):
    if path.startswith("/debug/pprof/goroutine?debug=1"):
        answer(conn, "200 OK", DEBUG1)
    elif path.startswith("/debug/pprof/goroutine?debug=2"):
        answer(conn, "200 OK", DEBUG2)
    else:
        answer(conn, "404 Not Found", b"404 page not found\n")


def slow(conn, path):
    time.sleep(0.6)
    healthy(conn, path)


def flood(conn, path):
    del path
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    chunk = FLOOD_LINE * (65536 // len(FLOOD_LINE))
    sent = 0
    while sent < (1 << 30):
        conn.sendall(chunk)
        sent += len(chunk)


def hang(conn, path):
    del conn, path
    while True:
        time.sleep(3600)


def serve(conn, handler):
    try:
        handler(conn, read_request(conn))
    except OSError:
        pass   # the collector hung up: that is its right
    finally:
        conn.close()


def main():
    handlers = {"healthy": healthy, "slow": slow, "hang": hang, "flood": flood}
    if len(sys.argv) != 2 or sys.argv[1] not in handlers:
        sys.exit("usage: pprof_fake.py healthy|slow|hang|flood")
    ln = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ln.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ln.bind(("127.0.0.1", 0))
    ln.listen(64)
    print(ln.getsockname()[1], flush=True)
    while True:
        conn, _ = ln.accept()
        threading.Thread(target=serve, args=(conn, handlers[sys.argv[1]]), daemon=True).start()


if __name__ == "__main__":
    main()
