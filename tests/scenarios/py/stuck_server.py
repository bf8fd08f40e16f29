"""stuck_server: a single-threaded Python (stdlib) server whose accept loop
is stuck, for tests/scenarios/10_py_listen_overflow.sh: it accepts one
client and then waits for that client's request forever (no timeout), so
nobody calls accept() again; its small backlog (8) fills and the kernel
drops new connections (TcpExt ListenOverflows / ListenDrops).

    python3 stuck_server.py      prints its port, then serves (badly) until killed
"""
import socket
import sys


def main():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    print(ls.getsockname()[1], flush=True)
    while True:
        conn, _ = ls.accept()
        data = b""
        while not data.endswith(b"\n\n"):  # the bug: no timeout on a client that never finishes
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.close()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
