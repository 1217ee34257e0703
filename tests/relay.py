"""A loopback TCP relay between a client under test and a real server.

It can keep what the client wrote, one entry per read (to see whether commands went together
or one by one), and cut the first connection after the server has sent N bytes, wherever the
count lands (in the middle of a TLS record or of a reply), the way a dropped Wi-Fi or a NAT
timeout would; later connections are relayed whole, so a client that reconnects gets through.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from smtp_servers import stop_accepting

__all__ = ["Relay"]


class Relay:
    """Relays every connection on :attr:`port` to ``target_port`` on loopback."""

    def __init__(self, target_port: int, *, cut_after: int | None = None) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        #: How many connections were cut.
        self.cuts = 0
        #: What clients wrote, one entry per read.
        self.chunks: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._armed = cut_after is not None
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:  # the server behind has stopped: nothing to relay to
                client.close()
                continue
            self._sockets += [client, server]
            limit = self.cut_after if self._armed else None
            self._armed = False
            for source, sink, budget, keep in (
                (client, server, None, True),
                (server, client, limit, False),
            ):
                thread = threading.Thread(
                    target=self._pump,
                    args=(source, sink, budget, keep, (client, server)),
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def _pump(
        self,
        source: socket.socket,
        sink: socket.socket,
        budget: int | None,
        keep: bool,
        pair: tuple[socket.socket, socket.socket],
    ) -> None:
        try:
            while data := source.recv(65536):
                if keep:
                    self.chunks.append(data)
                if budget is not None:
                    if len(data) >= budget:
                        sink.sendall(data[:budget])
                        self.cuts += 1
                        break
                    budget -= len(data)
                sink.sendall(data)
        except OSError:
            pass
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stop relaying and close every connection, once no thread is still reading one."""
        stop_accepting(self._listener, self._accepting)
        # Shut down before closing: a thread still in recv() wakes and ends, instead of
        # reading, after the next signal, whatever socket has the number by then.
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()
