"""broadcast_server: a Python (stdlib) server that leaks CLOSE_WAIT.

For tests/scenarios/06_py_close_wait_server.sh. A selectors-based
"notification hub": every client is kept in `clients` so that announcements
can be broadcast to it. The bug: when a client hangs up (recv returns b""),
the hub unregisters it from the selector but never closes it, and the list
still holds the socket object, so the garbage collector never closes it
either. Each departed client leaves one socket in CLOSE_WAIT.

    python3 broadcast_server.py        prints its port, serves until killed
"""
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
clients = []  # for broadcasts; never pruned (the bug)


def main():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(128)
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ, None)
    print(ls.getsockname()[1], flush=True)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                conn, _addr = ls.accept()
                conn.setblocking(False)
                clients.append(conn)
                sel.register(conn, selectors.EVENT_READ, "client")
                continue
            conn = key.fileobj
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if data:
                try:
                    conn.send(b"WELCOME " + data[:64])
                except OSError:
                    pass
            else:
                sel.unregister(conn)  # and no conn.close(): the leak


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
