"""``make run``'s web server speaks the project's language: our own line when it listens,
not Django's English banner ("Starting development server…", the production warning)."""

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_announces_itself_in_the_project_language(tmp_path):
    expected = "Servidor de desarrollo escuchando en"  # LANGUAGE_CODE es-pe
    port = _free_port()
    env = {
        **os.environ,
        "ASESOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SECURE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    command = [sys.executable, "manage.py", "run_server", "--skip-checks", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline, lines = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if expected in line:
                break
        time.sleep(1)  # anything the banner would print after binding
    finally:
        os.killpg(server.pid, 15)
        rest, _ = server.communicate(timeout=20)
    output = "\n".join(lines) + rest
    assert f"{expected} http://127.0.0.1:{port}/" in output, output
    for english in ("Starting development server", "Django version", "WARNING", "Watching for"):
        assert english not in output, output
