"""The part of the `websockets` library irctest's WebSocket tests use, on tests/integration/ws_client.py.

irctest's server_tests/websocket.py imports `websockets.sync.client` (websockets 11 and later);
Debian 12 has python3-websockets 10.4, which has no sync client, and PyPI is out of reach. When
the real module cannot be imported, tests/irctest/run installs this file as
websockets/sync/client.py in the extracted irctest tree (with ws_client.py beside it), so that
those tests run rather than skip. Only what the tests call: connect(url, subprotocols=...) and a
connection with .subprotocol, .send(str | bytes), .recv(timeout=None) -> str | bytes (raising
TimeoutError) and .close().
"""

import ws_client


class ClientConnection:
    def __init__(self, ws):
        self._ws = ws
        self.subprotocol = ws.protocol

    def send(self, message):
        if isinstance(message, str):
            self._ws.send_text(message)
        else:
            self._ws.send_binary(bytes(message))

    def recv(self, timeout=None):
        # websockets' recv(None) blocks until a message comes; irctest always passes a timeout.
        m = self._ws.recv(timeout=3600.0 if timeout is None else timeout)
        return m.data

    def close(self, code=1000, reason=""):
        self._ws.close(code, reason)


def connect(uri, *, subprotocols=None, **kwargs):
    return ClientConnection(ws_client.WebSocket.connect(uri, protocols=list(subprotocols or ())))
