"""`make run`'s launcher starts the three servers, says where they are, and Ctrl-C stops them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bot.launcher import REPO_ROOT, free_port


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_launcher_starts_everything_and_stops_on_ctrl_c(tmp_path):
    ports = {"RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port()}
    env = {
        **os.environ, **{k: str(v) for k, v in ports.items()},
        "SEDIA_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'sedia.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launcher"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        output = "".join(lines)
        assert "Sedia is running:" in output, output
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        assert f"{rasa}/webhooks/rest/webhook" in output
        assert f"http://127.0.0.1:{ports['ACTIONS_PORT']}/webhook" in output
        assert f"http://127.0.0.1:{ports['WEB_PORT']}/" in output
        assert answers(f"{rasa}/") and answers(f"http://127.0.0.1:{ports['ACTIONS_PORT']}/health")
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=5) as page:
            html = page.read().decode("utf-8")
        assert "<h1>Sedia</h1>" in html and "Infrastructure" in html and "make shell" in html

        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        rest, _ = process.communicate(timeout=60)
        assert "Stopped." in rest
        assert process.returncode == 0
        for name in ports:
            url = f"http://127.0.0.1:{ports[name]}/"
            assert not answers(url), f"{name} still answers after Ctrl-C"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
