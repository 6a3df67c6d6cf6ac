"""A stand-in for Twilio's Messages API: a real HTTP server on 127.0.0.1."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class StubProvider(ThreadingHTTPServer):
    """Twilio's Messages API on 127.0.0.1, answering from a script of statuses."""

    def __init__(self, statuses):
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.statuses = list(statuses)
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class StubHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # http.server's naming
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        server = self.server
        server.requests.append(
            {
                "path": self.path,
                "form": {key: values[0] for key, values in form.items()},
                "authorization": self.headers["Authorization"],
            }
        )
        status = server.statuses.pop(0) if server.statuses else 201
        if status == 201:
            answer = {"sid": f"SM{len(server.requests):032d}", "status": "queued"}
        else:
            answer = {
                "code": 20500 if status >= 500 else 21211,
                "message": "Internal Server Error"
                if status >= 500
                else "The 'To' number is not a valid phone number.",
                "status": status,
            }
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
