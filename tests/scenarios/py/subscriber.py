"""subscriber: a well-behaved Python client of broadcast_server.

Connects RATE times a second for SECONDS, says hello, reads the welcome and
closes. (For tests/scenarios/06_py_close_wait_server.sh.)

    python3 subscriber.py PORT RATE SECONDS
"""
import socket
import sys
import time


def main():
    port, rate, secs = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    end = time.monotonic() + secs
    ok = 0
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"HELLO\n")
                s.recv(128)
                ok += 1
        except OSError as e:
            print("subscriber:", e, file=sys.stderr)
        time.sleep(1.0 / rate)
    print("subscriber: %d sessions" % ok, file=sys.stderr)


if __name__ == "__main__":
    main()
