"""impatient_client: first one stalled connection that sends half a request
and never the rest (a slow client: the single-threaded server waits on it
for good), then connects to PORT again and again for SECONDS, each attempt
with a 0.3 s timeout, sending half a request and giving up
(tests/scenarios/10_py_listen_overflow.sh).

    python3 impatient_client.py PORT SECONDS
"""
import socket
import sys
import time


def main():
    port, secs = int(sys.argv[1]), float(sys.argv[2])
    end = time.monotonic() + secs
    ok = failed = 0
    stalled = socket.create_connection(("127.0.0.1", port), timeout=5)
    stalled.sendall(b"GET /slow HTTP/1.0\n")  # and nothing more, ever
    while time.monotonic() < end:
        s = socket.socket()
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.0\n")  # never the blank line
            ok += 1
        except OSError:
            failed += 1
        finally:
            s.close()
        time.sleep(0.05)
    print("impatient_client: %d connected, %d failed" % (ok, failed), file=sys.stderr)
    stalled.close()


if __name__ == "__main__":
    main()
