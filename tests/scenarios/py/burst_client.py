"""burst_client: a Python client that holds N connections, then closes them
all at once (a batch job ending, a pool being drained on reload), for
tests/scenarios/09_py_time_wait_burst.sh. One burst of N TIME_WAIT entries
that then only age out: no churn, no leak.

    python3 burst_client.py PORT N HOLD_SECONDS   then idles until killed
"""
import socket
import sys
import time


def main():
    port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    conns = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"HI\n")
        c.recv(16)  # the server's answer: it has accepted this one
        conns.append(c)
    print("open %d" % len(conns), flush=True)
    time.sleep(hold)
    for c in conns:
        c.close()  # we close first: the TIME_WAIT entries are ours
    conns = []
    print("closed", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
