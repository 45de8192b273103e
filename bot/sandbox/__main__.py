"""Run the sandbox on its own: `python -m bot.sandbox --port 8900 --event-url URL`."""

from __future__ import annotations

import argparse

import uvicorn

from bot.sandbox.model import DEFAULT_SIGNING_SECRET, DEFAULT_TOKEN
from bot.sandbox.server import create_sandbox_app
from bot.sandbox.transport import attach_server
from bot.sandbox.world import World


def main(argv: list[str] | None = None) -> None:
    """Serve a fresh sandbox workspace until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--signing-secret", default=DEFAULT_SIGNING_SECRET)
    parser.add_argument("--event-url", help="the app's request URL, e.g. .../slack/events")
    parser.add_argument("--enforce-rate-limits", action="store_true")
    args = parser.parse_args(argv)
    world = World(
        token=args.token,
        signing_secret=args.signing_secret,
        event_url=args.event_url,
        enforce_rate_limits=args.enforce_rate_limits,
    )
    app = create_sandbox_app(world)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="info"))
    # Fault modes that drop the connection find it through the server.
    attach_server(app, server)
    try:
        server.run()
    finally:
        world.close()


if __name__ == "__main__":
    main()
