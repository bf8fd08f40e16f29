"""job_client: a Python (stdlib) worker that leaks ESTABLISHED connections.

For tests/scenarios/08_py_established_client.sh. For every job it opens an
http.client.HTTPConnection to the API, posts the job and reads the answer,
then keeps the connection in `pending` "in case the job must be retried",
and nothing ever takes it out: one ESTABLISHED connection per job, forever
(the server speaks HTTP/1.1 and keeps each connection open for the next
request that never comes).

    python3 job_client.py PORT RATE SECONDS    then idles until killed
"""
import http.client
import sys
import time

pending = {}  # job id -> connection, for retries; never pruned (the bug)


def main():
    port, rate, secs = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    end = time.monotonic() + secs
    job = 0
    while time.monotonic() < end:
        job += 1
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("POST", "/jobs", body=b'{"job": %d}' % job, headers={"Content-Type": "application/json"})
            c.getresponse().read()
            pending[job] = c
        except OSError as e:
            print("job_client:", e, file=sys.stderr)
        time.sleep(1.0 / rate)
    print("job_client: %d jobs, %d connections kept" % (job, len(pending)), file=sys.stderr)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
