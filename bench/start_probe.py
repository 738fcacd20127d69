"""Starts a command and measures the time from the process start to its /healthz answering 200.

    python3 start_probe.py ADMIN_PORT LOG_FILE COMMAND...

Prints "<pid> <milliseconds>" and leaves the process running (the caller stops it). The clock starts just before
the process is created; /healthz is polled every 2 ms over a new loopback connection; gives up after 60 s.
"""
import http.client
import subprocess
import sys
import time

port, log_file, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
with open(log_file, "w") as log:
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
deadline = start + 60
while time.monotonic() < deadline:
    if process.poll() is not None:
        sys.exit(f"the process ended (exit {process.returncode}) before /healthz answered; see {log_file}")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/healthz")
        if connection.getresponse().status == 200:
            print(process.pid, round((time.monotonic() - start) * 1000))
            sys.exit(0)
    except OSError:
        pass
    finally:
        connection.close()
    time.sleep(0.002)
process.kill()
sys.exit(f"/healthz did not answer within 60 s; see {log_file}")
