"""Run the web app: `python -m bot.dashboard [--port 8000]`."""

import argparse

from bot.dashboard.app import create_app
from bot.service.salt_guard import check_before_serving

check_before_serving()  # a wrong setting or a lost id salt stops the app now, naming it
parser = argparse.ArgumentParser(description="Sedia's web app")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8000)
args = parser.parse_args()
create_app().run(host=args.host, port=args.port, access_log=False)
