"""rasa_sdk's plugin package: the action server imports it by this name at start.

Sedia's plugin makes the action server refuse calls without the shared secret
(`bot.rasa_glue.action_secret`), and run each action on a worker thread rather than on the
server's event loop (`bot.rasa_glue.action_threads`).
"""

import sys

import pluggy
from sanic import Sanic

from bot.rasa_glue.action_secret import require_action_secret
from bot.rasa_glue.action_threads import run_actions_off_loop
from bot.service.salt_guard import check_before_serving

hookimpl = pluggy.HookimplMarker("rasa_sdk")


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register this module's hook implementations."""
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Check the settings and the id salt; guard the action server with the shared secret;
    run actions off its loop."""
    check_before_serving()
    require_action_secret(app)
    run_actions_off_loop()
