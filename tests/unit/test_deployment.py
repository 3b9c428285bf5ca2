"""docker-compose.yml, its Dockerfile and .env.example agree with the native production
topology (`make run-prod`): the same services, ports and settings. Docker cannot run
here, so this reads the files; `docker compose config` runs where a client has it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cli.launcher import Production, Stack
from bot.cli.serve import SERVICES, command_for
from tests.conftest import environment

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES_IN_COMPOSE = COMPOSE["services"]
ENV_EXAMPLE = {
    line.split("=", 1)[0]
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    if re.match(r"^[A-Z_]+=", line)
}
# Compose service -> the native server it runs.
SEDIA_SERVICES = {"rasa-1": "Rasa server", "rasa-2": "Rasa server 2", "actions": "action server", "web": "web app"}
# Settings that only the tests or a developer's machine use.
NOT_FOR_DEPLOYMENT = {"TELEGRAM_API_BASE_URL", "RASA_PORT", "ACTIONS_PORT", "WEB_PORT", "REPLICA_PORT"}


def native() -> Stack:
    return Stack(production=Production(), replica_ports=[5006])


def published(service: dict) -> set:
    return {int(mapping.split(":")[-2]) for mapping in service.get("ports", [])}


def test_the_same_servers_run_in_both():
    names = {s.name for s in native().build()}
    assert set(SEDIA_SERVICES.values()) == names
    assert set(SERVICES_IN_COMPOSE) == {*SEDIA_SERVICES, "postgres", "redis", "migrate"}
    for name, server in SEDIA_SERVICES.items():
        role = {"Rasa server": "rasa", "Rasa server 2": "rasa", "action server": "actions", "web app": "web"}[server]
        assert SERVICES_IN_COMPOSE[name]["command"] == ["python", "-m", "bot.cli.serve", role]
    # Both run the launcher's own commands for these roles.
    assert set(SERVICES) == {"rasa", "actions", "web"}


def test_the_same_ports_and_only_the_public_ones_published():
    ports = native().ports()
    assert published(SERVICES_IN_COMPOSE["rasa-1"]) == {p for p, n in ports.items() if n == "Rasa server"}
    assert published(SERVICES_IN_COMPOSE["rasa-2"]) == {p for p, n in ports.items() if n == "Rasa server 2"}
    assert published(SERVICES_IN_COMPOSE["web"]) == {p for p, n in ports.items() if n == "web app"}
    # Never public: the action server and the databases.
    for private in ("actions", "postgres", "redis", "migrate"):
        assert "ports" not in SERVICES_IN_COMPOSE[private], private
    assert SERVICES_IN_COMPOSE["actions"]["expose"] == [str(p) for p, n in ports.items() if n == "action server"]


def test_every_setting_the_code_reads_can_be_set_for_the_containers():
    read = set()
    for path in [*(REPO / "bot").rglob("*.py"), *(REPO / "actions").rglob("*.py")]:
        read.update(re.findall(r'"((?:SEDIA|TELEGRAM)_[A-Z_]+|DATABASE_URL|ACTION_ENDPOINT_URL)"', path.read_text()))
    compose_env = set(SERVICES_IN_COMPOSE["rasa-1"]["environment"])
    dockerfile_env = set(re.findall(r"\b([A-Z_]+)=", (REPO / "Dockerfile").read_text()))
    missing = read - compose_env - ENV_EXAMPLE - dockerfile_env - NOT_FOR_DEPLOYMENT
    assert not missing, f"settable neither in docker-compose.yml nor .env.example: {missing}"
    # And every variable compose asks for is explained in .env.example.
    asked = set(re.findall(r"\$\{([A-Z_]+)(?::[?-][^}]*)?\}", (REPO / "docker-compose.yml").read_text()))
    assert asked - {"SEDIA_IMAGE"} <= ENV_EXAMPLE


def test_the_same_environment_reaches_the_servers(data_dir):
    # What make run-prod gives its servers, bot.cli.serve gives each container.
    container = {
        "DATABASE_URL": "postgresql://sedia:pw@postgres:5432/sedia",
        "SEDIA_TRACKER_URL": "postgresql://sedia:pw@postgres:5432/sedia",
        "SEDIA_REDIS_URL": "redis://redis:6379/0",
        "ACTION_ENDPOINT_URL": "http://actions:5055/webhook",
        "SEDIA_BIND_HOST": "0.0.0.0",
        "SEDIA_REST_TOKEN": "t",
        "SEDIA_WIDGET_ORIGINS": "https://u.example",
    }
    with environment(container):
        command, env = command_for("rasa")
        endpoints = yaml.safe_load(Path(command[command.index("--endpoints") + 1]).read_text())
        native_env = native().environment()
    assert command[command.index("--interface") + 1] == "0.0.0.0"
    assert command[command.index("--cors") + 1 :] == ["https://u.example"]
    assert endpoints["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert endpoints["lock_store"]["url"] == "redis"
    for key in ("DATABASE_URL", "SEDIA_TRACKER_URL", "SEDIA_REDIS_URL", "SEDIA_REST_TOKEN", "SANIC_HOST"):
        assert key in env and key in native_env, key


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES_IN_COMPOSE.items():
        if name != "migrate":
            assert "healthcheck" in service, name
    assert COMPOSE["volumes"] == {"postgres-data": None}
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES_IN_COMPOSE["postgres"]["volumes"]


def test_the_image_is_multi_stage_runs_as_a_user_and_trains_nothing_at_start():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    assert len(stages) >= 2
    build, runtime = stages[0], stages[-1]
    assert "rasa train" in build and "bot.nlp.build" in build  # the model is built in the image
    assert "rasa train" not in runtime and "COPY --from=build" in runtime
    users = re.findall(r"^USER (\S+)", runtime, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    for service in SEDIA_SERVICES:
        assert "train" not in " ".join(SERVICES_IN_COMPOSE[service]["command"])


def compose_command() -> list:
    """`docker compose` (the plugin) or `docker-compose` (the standalone client), if either is here."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return []


@pytest.mark.skipif(not compose_command(), reason="no docker compose client on this machine")
def test_docker_compose_accepts_the_file_and_refuses_to_start_without_the_secrets(tmp_path):
    # The client reads the file as docker would run it; no daemon is needed for `config`.
    (tmp_path / "docker-compose.yml").write_text((REPO / "docker-compose.yml").read_text())
    (tmp_path / ".env").write_text("\n".join(f"{key}=x" for key in sorted(ENV_EXAMPLE)) + "\n")
    result = subprocess.run([*compose_command(), "config", "-q"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (tmp_path / ".env").write_text("SEDIA_PUBLIC_URL=https://sedia.example.edu.my\n")
    missing = subprocess.run([*compose_command(), "config", "-q"], cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode != 0 and "in .env" in missing.stderr, missing.stderr
