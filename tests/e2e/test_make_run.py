"""`make run`'s launcher starts the three servers, says where they are, and Ctrl-C stops them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bot.cli.launcher import REPO_ROOT, free_port
from tests.bot_api_standin import BotApiStandIn, TelegramUser, wait_until


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_launcher_starts_everything_and_stops_on_ctrl_c(tmp_path):
    ports = {"RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port()}
    # With TELEGRAM_TOKEN set, Sedia answers on Telegram at once, by long polling.
    telegram = BotApiStandIn().start()
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "SEDIA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sedia.db'}",
        "TELEGRAM_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.launcher"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
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
        assert_closed(ports)
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['WEB_PORT']}/", timeout=5) as page:
            html = page.read().decode("utf-8")
        # The demo page: a mock university page with the widget on it, pointed at this Rasa.
        assert 'src="/widget/sedia-widget.js"' in html and f'data-server="{rasa}"' in html
        assert ">Sedia</h2>" in html and "Infrastructure" in html and "make shell" in html
        assert "Telegram       long polling, no public URL needed" in output
        # No account ships: the banner says how to create the first admin.
        dashboard = f"http://127.0.0.1:{ports['WEB_PORT']}/dashboard"
        assert f"Dashboard      {dashboard} (no account yet: create the first admin with " in output
        assert "`.venv/bin/python -m bot users add admin --role admin`" in output
        user = TelegramUser(telegram, 555000111)
        user.send("/start")
        wait_until(lambda: telegram.sent(user.chat_id), 60, "a reply on Telegram")
        assert "I'm Sedia" in telegram.sent(user.chat_id)[0].params["text"]

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
        telegram.stop()


def listening_addresses(port: int) -> set:
    """The local addresses that listen on `port`, from the kernel's socket tables."""
    found = set()
    for table, _width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add("127.0.0.1" if address == "0100007F" else address)
    return found


def assert_closed(ports: dict) -> None:
    """Only this machine reaches the servers; the action server runs nothing without the
    secret; the Rasa server's CORS names only the widget's origins."""
    for name, port in ports.items():
        assert listening_addresses(port) == {"127.0.0.1"}, (name, listening_addresses(port))
    forged = urllib.request.Request(
        f"http://127.0.0.1:{ports['ACTIONS_PORT']}/webhook",
        method="POST",
        data=json.dumps({"next_action": "action_forget_me", "sender_id": "x", "tracker": {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(forged, timeout=10)
        raise AssertionError("the action server ran a call without the secret")
    except urllib.error.HTTPError as error:
        assert error.code == 401
    rest = f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook"
    web_origin = f"http://127.0.0.1:{ports['WEB_PORT']}"
    for origin, allowed in ((web_origin, True), ("https://evil.example", False)):
        preflight = urllib.request.Request(
            rest,
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        try:
            with urllib.request.urlopen(preflight, timeout=10) as response:
                header = response.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as error:
            header = error.headers.get("Access-Control-Allow-Origin")
        assert (header == origin) is allowed and header != "*", (origin, header)


def test_launcher_refuses_a_port_that_is_already_taken(tmp_path):
    # Something else already listens where the Rasa server should: the launcher says so
    # and starts nothing, instead of reporting "running" against the old process.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        actions_port = free_port()
        env = {
            **os.environ,
            "SEDIA_DATA_DIR": str(tmp_path),
            "RASA_PORT": str(taken),
            "ACTIONS_PORT": str(actions_port),
            "WEB_PORT": str(free_port()),
        }
        env.pop("TELEGRAM_TOKEN", None)
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli.launcher"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert f"Could not start Sedia: port {taken} (Rasa server) is already in use" in result.stderr
    assert "Sedia is running" not in result.stdout
    assert not answers(f"http://127.0.0.1:{actions_port}/health")  # nothing was started


def test_launcher_refuses_telegram_settings_that_cannot_work(tmp_path):
    env = {**os.environ, "SEDIA_DATA_DIR": str(tmp_path), "TELEGRAM_TOKEN": "123:abc", "TELEGRAM_MODE": "webhook"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.launcher"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Telegram is misconfigured: TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL" in result.stderr


def test_launcher_refuses_settings_that_cannot_work_and_names_them(tmp_path):
    env = {
        **os.environ,
        "SEDIA_DATA_DIR": str(tmp_path),
        "SEDIA_MIN_GROUP_SIZE": "1",
        "SEDIA_PLAN_LINK_DAYS": "soon",
        "RASA_PORT": "fifty",
    }
    env.pop("TELEGRAM_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.launcher"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "SEDIA_MIN_GROUP_SIZE must be at least 2" in result.stderr
    assert "SEDIA_PLAN_LINK_DAYS must be a number of days, not 'soon'" in result.stderr
    assert "RASA_PORT must be a port number, not 'fifty'" in result.stderr
    assert "Starting Sedia" not in result.stdout


def test_plain_rasa_commands_work_from_the_repo_root(tmp_path):
    # `rasa run actions` and `rasa run` with no flags: Rasa's default paths (domain.yml,
    # config.yml, credentials.yml, endpoints.yml, models/) and default ports, no variables
    # beyond a private data folder. `rasa shell` is `rasa run` with a console on this REST channel.
    import pytest

    from bot.cli.launcher import VENV_BIN, port_is_free

    if not (port_is_free(5005) and port_is_free(5055)):
        pytest.skip("Rasa's default ports are in use on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEDIA_", "ACTION_", "TELEGRAM_", "DATABASE_"))}
    env["SEDIA_DATA_DIR"] = str(tmp_path)
    rasa = str(VENV_BIN / "rasa")
    servers = [
        subprocess.Popen(
            [rasa, "run", "actions"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [rasa, "run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    try:
        wait_until(
            lambda: answers("http://127.0.0.1:5055/health") and answers("http://127.0.0.1:5005/"),
            300,
            "plain rasa run and rasa run actions",
        )
        sender = f"plain-{os.getpid()}"

        def say(text: str) -> str:
            body = json.dumps({"sender": sender, "message": text}).encode()
            request = urllib.request.Request(
                "http://127.0.0.1:5005/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                return "\n".join(r.get("text") or "" for r in json.loads(response.read()))

        assert "Sedia" in say("hello")
        # The consent question comes from the action server: the default endpoint and the
        # shared secret (generated into the data folder) work with no set-up.
        assert "May I store your answers?" in say("start assessment")
        assert listening_addresses(5055) == {"127.0.0.1"}  # plain `rasa run actions` binds loopback too
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
