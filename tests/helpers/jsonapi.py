"""What the stand-ins share: an AWS JSON 1.1 service on 127.0.0.1 (`X-Amz-Target: <Service>.<Operation>`,
the region and access key read from the request's SigV4 credential scope, errors as
`{"__type": code, "message": ...}`), served from a daemon thread."""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ApiError", "JsonApiServer"]

CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/")


class ApiError(Exception):
    """An error AWS would answer: its code, message, HTTP status and extra fields."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


class JsonApiServer:
    """Subclasses answer `handle(operation, body, region, access_key)`; `calls` counts operations."""

    name = "stand-in"

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                match = CREDENTIAL.search(self.headers.get("Authorization", ""))
                key, region = (match.group(1), match.group(2)) if match else (None, "us-east-1")
                try:
                    self._answer(200, api.handle(operation, json.loads(raw or b"{}"), region, key))
                except ApiError as exc:
                    self._answer(exc.status, {"__type": exc.code, "message": exc.message, **exc.extra})
                except (ValueError, KeyError, TypeError) as exc:
                    self._answer(400, {"__type": "ValidationException", "message": f"malformed request: {exc!r}"})

            def _answer(self, status: int, doc: dict) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name=self.name, daemon=True)

    def handle(self, operation: str, body: dict, region: str, access_key: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def count(self, operation: str) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
