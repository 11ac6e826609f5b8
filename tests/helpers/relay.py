"""A TCP relay between the link and the simulator that a test can silence or sever."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable


class TcpRelay:
    """Listens on a free port and relays each client to (host, port). `silent` drops the
    bytes both ways (a radio out of range); `sever()` closes the current connections;
    `on_client_bytes`, when set, sees every chunk the client sends (relay thread)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.silent = threading.Event()
        self._stop = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self.on_client_bytes: Callable[[bytes], None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Connection string of the relay."""
        return f"tcp:127.0.0.1:{self.port}"

    def sever(self) -> None:
        """Close every relayed connection (the client sees the peer close)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        """Stop relaying."""
        self._stop.set()
        self._thread.join(2)
        self.sever()
        self.server.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                socks = [self.server] + [s for pair in self._pairs for s in pair]
            try:
                ready, _, _ = select.select(socks, [], [], 0.02)
            except (OSError, ValueError):
                continue
            for s in ready:
                if s is self.server:
                    client, _ = self.server.accept()
                    upstream = socket.create_connection(self.target)
                    with self._lock:
                        self._pairs.append((client, upstream))
                    continue
                self._relay(s)

    def _relay(self, s: socket.socket) -> None:
        with self._lock:
            pair = next((p for p in self._pairs if s in p), None)
        if pair is None:
            return
        other = pair[1] if s is pair[0] else pair[0]
        try:
            data = s.recv(65536)
            if data and not self.silent.is_set():
                if s is pair[0] and self.on_client_bytes is not None:
                    self.on_client_bytes(data)
                other.sendall(data)
        except OSError:
            data = b""
        if not data:
            with self._lock:
                if pair in self._pairs:
                    self._pairs.remove(pair)
            for x in pair:
                x.close()
