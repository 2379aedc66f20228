"""What the bench scripts share: run a management command, find a free port, start gunicorn
and wait until it answers, stop it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(env, *arguments, check=True, capture=False, quiet=False):
    """Run ``manage.py`` with these arguments in the project root, in the environment ``env``.

    With ``capture`` its output is kept, as text, in the result; ``quiet`` drops what it prints
    on standard output.
    """
    return subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=check,
        text=True,
        capture_output=capture,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, port, *options, ready, headers=None, log=None, seconds=30):
    """Start ``gunicorn ppci.wsgi`` on 127.0.0.1:``port`` with these command-line options and
    return its process once a GET of the path ``ready`` (with ``headers``) answers 200.

    Its output goes to the file ``log`` when given. It runs in a session of its own, so that
    ``stop_gunicorn`` ends the workers with it. Raises RuntimeError, having stopped it, if it
    exits or does not answer within ``seconds``.
    """
    command = [PYTHON, "-m", "gunicorn", "ppci.wsgi", f"--bind=127.0.0.1:{port}", *options]
    if log is None:
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    else:
        with open(log, "w") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    try:
        wait_until_up(process, port, ready, headers or {}, seconds)
    except BaseException:
        stop_gunicorn(process)
        raise
    return process


def wait_until_up(process, port, path, headers, seconds):
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn did not start: it exited ({process.returncode})")
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                connection.request("GET", path, headers=headers)
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not start: no 200 from {path} in {seconds} s")
        time.sleep(0.3)


def stop_gunicorn(process, seconds=30):
    """Stop gunicorn and its workers: TERM to its session, a graceful shutdown."""
    with contextlib.suppress(ProcessLookupError):  # already gone, workers and all
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=seconds)
