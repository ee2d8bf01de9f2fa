"""`make run` stops within seconds and cleanly: Ctrl-C (SIGINT to the foreground process group)
and SIGTERM to make's process group end the web server, the Celery worker, its pool and its
embedded beat, with no "make: *** … Error" line: the recipe exits 0, and make itself ends by the
signal it was sent (GNU make re-raises a fatal signal on itself once its recipe is done; it says
nothing when the recipe ended cleanly), or 0 when the signal did not reach it.

It starts the real `make run` twice on a throwaway data folder (a small demo; the first start
trains small models, so the test takes a few minutes: the integration tier). The second start
is the case that hung for minutes: a group signal killed the worker's pool processes directly,
one of them holding the pool's queue lock, and the worker's main process hung at exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
STOP_WITHIN = 15.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_processes(sid: int) -> list[str]:
    """Live (not zombie) processes of the session make leads: every process it started, the
    worker included (it has a process group of its own, in the same session)."""
    out = subprocess.run(
        ["ps", "-eo", "sid=,pid=,stat=,args="], capture_output=True, text=True, check=True
    ).stdout
    alive = []
    for line in out.splitlines():
        fields = line.split(None, 3)
        if len(fields) >= 3 and fields[0] == str(sid) and not fields[2].startswith("Z"):
            alive.append(line.strip())
    return alive


def _as_in_a_terminal() -> None:
    """In the child before make starts: the signals' default actions, as a terminal gives them.
    An ignored signal is inherited: were this suite started as a background job of a
    non-interactive shell (``.ci/run &``), make and everything it starts would ignore SIGINT."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def _start(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        # start_new_session: make leads its own session and process group, as in a terminal
        return subprocess.Popen(
            ["make", "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_as_in_a_terminal,
        )


def _wait_ready(process: subprocess.Popen, port: int, log: Path, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make run ended early:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        time.sleep(1)
    else:
        pytest.fail(f"make run did not answer within {timeout} s:\n{log.read_text()[-3000:]}")
    # The worker's pool and embedded beat are up (and a few beats of work have run).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if sum("celery" in p and "worker" in p for p in _session_processes(process.pid)) >= 3:
            break
        time.sleep(0.5)
    time.sleep(5)


def _stop(process: subprocess.Popen, sig: int, log: Path) -> tuple[float, int, str]:
    before = log.stat().st_size
    started = time.monotonic()
    os.killpg(process.pid, sig)
    try:
        status = process.wait(timeout=STOP_WITHIN + 30)
    except subprocess.TimeoutExpired:
        status = None
    while _session_processes(process.pid) and time.monotonic() - started < STOP_WITHIN + 30:
        time.sleep(0.2)
    took = time.monotonic() - started
    left = _session_processes(process.pid)
    for line in left:  # never leave anything behind, whatever the outcome
        os.kill(int(line.split()[1]), signal.SIGKILL)
    if status is None:
        process.kill()
        status = process.wait()
    after = log.read_bytes()[before:].decode(errors="replace")
    assert not left, f"still running {took:.1f} s after the signal: {left}\n{after}"
    return took, status, after


def test_ctrl_c_and_sigterm_stop_everything_within_seconds_and_cleanly(tmp_path):
    port = _free_port()
    data = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"CELERY_QUEUE", "MAKEFLAGS"}},
        "ASESOR_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data}/asesor.sqlite3",
        "ASESOR_MODEL_STORE": str(data / "models"),
        "DJANGO_STATIC_ROOT": str(data / "static"),
        "EMAIL_FILE_PATH": str(data / "mail"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "DEMO_BUSINESSES": "240",  # the browser tier's demo: enough for the growth model
        "DEMO_MONTHS": "36",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    log = tmp_path / "make-run.log"
    for sig in (signal.SIGINT, signal.SIGTERM):
        allowed = {0, -sig}
        process = _start(env, log)
        try:
            _wait_ready(process, port, log)
        except BaseException:
            for line in _session_processes(process.pid):
                os.kill(int(line.split()[1]), signal.SIGKILL)
            raise
        took, status, output = _stop(process, sig, log)
        name = signal.Signals(sig).name
        assert took < STOP_WITHIN, f"{name}: everything stopped only after {took:.1f} s"
        assert status in allowed, f"{name}: make exited {status}:\n{output}"
        assert "Error" not in output and "Traceback" not in output, f"{name}:\n{output}"
