"""Every package the code imports is declared, pinned, in the requirements file it belongs to."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Set

REPO = Path(__file__).resolve().parents[2]
OWN = {"bot", "actions", "tests", "bench", "rasa_sdk_plugins"}
# Import names whose distribution's metadata does not say it (old-style installs).
KNOWN = {
    "argon2": "argon2-cffi",
    "jinja2": "jinja2",
    "jsonschema": "jsonschema",
    "rasa": "rasa",
    "rasa_sdk": "rasa-sdk",
    "structlog": "structlog",
    "telegram": "python-telegram-bot",
    "hypothesis": "hypothesis",
    "schemathesis": "schemathesis",
}


def imported(*folders: str) -> Set[str]:
    """The third-party top-level modules imported under `folders`."""
    found: Set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    local = {p.stem for folder in folders for p in (REPO / folder).rglob("*.py")}
    return {m for m in found if m not in sys.stdlib_module_names and m not in OWN and m not in local}


INSTALLED = packages_distributions()


def distribution(module: str) -> str:
    names = INSTALLED.get(module)
    return (names[0] if names else KNOWN[module]).lower().replace("_", "-")


def declared(name: str) -> Set[str]:
    """The pinned distributions of a requirements file, without those it includes."""
    pins = set()
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==[\w.]+$", line.strip())
        if match:
            pins.add(match.group(1).lower().replace("_", "-"))
    return pins


def test_the_runtime_declares_every_package_bot_and_actions_import():
    missing = {
        m: distribution(m)
        for m in imported("bot", "actions", "rasa_sdk_plugins")
        if distribution(m) not in declared("requirements.txt")
    }
    assert not missing, f"add to requirements.txt: {missing}"


def test_test_only_packages_live_in_requirements_dev():
    runtime, dev = declared("requirements.txt"), declared("requirements-dev.txt")
    needed = {distribution(m) for m in imported("tests")} - runtime
    assert needed <= dev, f"add to requirements-dev.txt: {needed - dev}"
    # And nothing there that the runtime already has, or that no test uses.
    assert not dev & runtime
    assert not dev - needed, f"no test imports {dev - needed}"


def test_every_pin_agrees_with_the_resolved_set():
    resolved = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            resolved[name.lower().replace("_", "-")] = version
    for name in ("requirements.txt", "requirements-dev.txt"):  # make bench's extras come later
        for line in (REPO / name).read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.startswith("#"):
                package, version = line.strip().split("==")
                assert resolved.get(package.lower().replace("_", "-")) == version, (name, line)
