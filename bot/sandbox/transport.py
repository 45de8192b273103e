"""How a Web API answer leaves the sandbox: Slack's JSON, a proxy's error page, or nothing at all.

Hanging up needs the TCP connection behind a request, which ASGI does not expose: the
sandbox finds it among the uvicorn server's open connections (see `attach_server`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

# Enough loop turns for asyncio to run uvicorn's connection_lost after a close.
_CLOSE_TURNS = 20


@dataclass
class ApiAnswer:
    """What the sandbox sends back for one Web API call.

    `html` replaces Slack's JSON with a proxy's error page; `hang_up` closes the connection
    without any HTTP answer.
    """

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None
    hang_up: bool = False

    @property
    def is_json(self) -> bool:
        """Whether the caller gets Slack's own JSON answer."""
        return self.html is None and not self.hang_up


def build_proxy_page(status: int) -> str:
    """Return the HTML error page a reverse proxy in front of Slack would show."""
    try:
        title = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        title = f"{status} Error"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    )


def build_proxy_answer(status: int, *, retry_after: int | None = None) -> ApiAnswer:
    """Return a proxy's non-JSON error answer with HTTP `status`."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return ApiAnswer(status, {}, headers, html=build_proxy_page(status))


def build_hang_up() -> ApiAnswer:
    """Return the answer that closes the connection without sending anything."""
    return ApiAnswer(0, {}, hang_up=True)


def attach_server(app: FastAPI, server: uvicorn.Server) -> None:
    """Tell `app` which uvicorn server holds its connections, so it can hang up on one."""
    app.state.uvicorn_server = server


async def hang_up(request: Request) -> None:
    """Close the TCP connection `request` came on, without any HTTP answer."""
    server = getattr(request.app.state, "uvicorn_server", None)
    if server is None:
        raise RuntimeError("hanging up needs the app served through attach_server()")
    client, local = request.scope.get("client"), request.scope.get("server")
    connections = server.server_state.connections
    for connection in list(connections):
        if (
            client is not None
            and getattr(connection, "client", None) == tuple(client)
            and getattr(connection, "server", None) == tuple(local or ())
        ):
            connection.transport.close()
            # uvicorn learns of the close a loop turn later; until then it would still
            # write whatever the route returns into the closing socket.
            for _ in range(_CLOSE_TURNS):
                if connection not in connections:
                    break
                await asyncio.sleep(0)
            return
    raise RuntimeError(f"no open connection from {client} to hang up on")


async def send_answer(request: Request, answer: ApiAnswer) -> Response:
    """Turn an answer into the route's response (hanging up first when it says so)."""
    if answer.hang_up:
        await hang_up(request)
        # Nothing reaches the caller any more; the route still has to return something.
        return Response(status_code=204)
    if answer.html is not None:
        return HTMLResponse(answer.html, status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)
