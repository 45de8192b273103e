"""A TCP proxy that can make a server refuse or go silent, for tests of what the app does then.

Modes:
- `forward`: pass bytes both ways (connections held by `blackhole` carry on where they stopped).
- `refuse`: close new connections at once, and every open one: the server went away.
- `blackhole`: accept new connections, read what they send and never answer; open connections
  stop moving in both directions, their bytes left unread: the server hangs.
"""

import contextlib
import select
import socket
import threading
from typing import Literal

Mode = Literal["forward", "refuse", "blackhole"]
POLL = 0.05  # seconds between looks at the mode while nothing moves


class TcpProxy:
    """Listens on 127.0.0.1 at `port` and forwards to `upstream` as `mode` says."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode: Mode = "forward"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL)
        self.port: int = self._listener.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads = [threading.Thread(target=self._accept, name="proxy-accept", daemon=True)]
        self._threads[0].start()

    def set_mode(self, mode: Mode) -> None:
        """Switch; `refuse` also closes every connection open now."""
        self.mode = mode
        if mode == "refuse":
            self._close_all()

    def close(self) -> None:
        """Stop listening and close every connection."""
        self._closed.set()
        self._listener.close()
        self._close_all()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- connections -----------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "refuse":
                client.close()
            elif self.mode == "blackhole":
                self._spawn(self._swallow, client)
            else:
                self._spawn(self._connect, client)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(
            target=target,  # type: ignore[arg-type]
            args=args,
            name=f"proxy-{len(self._threads)}",
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._sockets.update(sockets)

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)

    def _swallow(self, client: socket.socket) -> None:
        """Read and drop everything; answer nothing; close once the proxy forwards again."""
        self._track(client)
        try:
            while not self._closed.is_set() and self.mode == "blackhole":
                if select.select([client], [], [], POLL)[0] and not client.recv(65536):
                    return
        except OSError:
            return
        finally:
            _shut(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _shut(client)
            return
        self._track(client, server)
        self._spawn(self._pump, server, client)
        self._pump(client, server)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        """Copy `source` to `target`; while the mode is `blackhole`, leave the bytes unread."""
        try:
            while not self._closed.is_set():
                if self.mode == "blackhole":
                    self._closed.wait(POLL)
                    continue
                if not select.select([source], [], [], POLL)[0]:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == "blackhole":  # went silent while this was in flight: hold it
                    while self.mode == "blackhole" and not self._closed.is_set():
                        self._closed.wait(POLL)
                target.sendall(data)
        except (OSError, ValueError):  # closed under us (refuse, close)
            pass
        finally:
            _shut(source)
            _shut(target)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, or never connected
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
