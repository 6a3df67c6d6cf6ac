"""A stand-in for an HTTP JSON SMS provider (``messaging.sms.HttpJsonBackend``):
a real HTTP server on 127.0.0.1, in a thread of the test process.

It behaves as a provider that honours idempotency keys: a second request with
an ``Idempotency-Key`` it already accepted gets the first answer again and
delivers nothing. It can be *down* (answer 503) until a given moment, and
*slow* (wait before accepting), so that a worker can be killed while it waits.
``deliveries`` is what reached phones: one entry per accepted key.

(``tests/messaging/stub_provider.py`` imitates Twilio's form-encoded API with a
script of statuses; this one speaks the generic JSON API and keeps time.)
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsProvider(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, down_for: float = 0.0, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.down_until = time.monotonic() + down_for
        self.delay = delay
        self.lock = threading.Lock()
        self.deliveries: dict[str, dict] = {}  # key -> the accepted message
        self.refused = 0  # 503 answers while down
        self.repeats = 0  # requests for a key already accepted
        self.waiting: list[float] = []  # arrival times of requests not yet answered
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/messages"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.shutdown()
        self.server_close()

    def recover(self) -> None:
        """Back up from now on (an outage that lasts until the test says)."""
        with self.lock:
            self.down_until = time.monotonic()

    def waiting_for(self, at_least: float) -> bool:
        """Whether a request will wait ``at_least`` more seconds before its
        answer (a sender killed now will never read it)."""
        with self.lock:
            now = time.monotonic()
            return any(now - start < self.delay - at_least for start in self.waiting)

    def received(self, payload: dict, key: str) -> tuple[int, dict]:
        """Accept ``payload`` once per key, or refuse it while down."""
        with self.lock:
            if time.monotonic() < self.down_until:
                self.refused += 1
                return 503, {"error": "temporarily unavailable"}
            if key in self.deliveries:
                self.repeats += 1
                return 200, {"id": self.deliveries[key]["id"]}
            accepted = {**payload, "id": f"msg-{len(self.deliveries) + 1}"}
            self.deliveries[key] = accepted
            return 200, {"id": accepted["id"]}


class _Handler(BaseHTTPRequestHandler):
    server: SmsProvider

    def do_POST(self):  # http.server's naming
        server = self.server
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        # Without a key, every request is a new message.
        key = self.headers.get("Idempotency-Key") or str(uuid.uuid4())
        # A slow provider: the sender may die while it waits for the answer;
        # the message is accepted all the same.
        arrival = time.monotonic()
        with server.lock:
            server.waiting.append(arrival)
        time.sleep(server.delay)
        status, answer = server.received(payload, key)
        with server.lock:
            server.waiting.remove(arrival)
        body = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender is gone (killed): nobody reads the answer

    def log_message(self, *args):
        pass
