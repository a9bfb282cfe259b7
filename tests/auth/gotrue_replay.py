"""A tiny HTTP server on 127.0.0.1 that replays recorded Supabase Auth
(GoTrue) responses, so the real `supabase` client is tested over real HTTP
without a Supabase project. Each recorded file holds the status, headers and
JSON body of one GoTrue answer (tests/auth/recorded/gotrue/).

Like a project on asymmetric keys, the replay signs each access token it
hands out (ES256, with the recorded claims, its own issuer and a fresh
expiry) and publishes its public key at /auth/v1/.well-known/jwks.json; a
test may sign with another key (`signing_key`) to play a foreign issuer."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from db import supabase_auth
from db.config import Settings

RECORDED = Path(__file__).with_name("recorded") / "gotrue"
KID = "replay-key-1"
# GoTrue's token endpoint: password sign-in and refresh, by grant_type.
TOKEN = "/auth/v1/token"
JWKS_PATH = "/auth/v1/.well-known/jwks.json"
ANON_KEY = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiIsInJlZiI6InJlY29yZGVkIn0.cmVjb3JkZWQ"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Replay:
    name: str
    shift_times: bool = True  # expires_at moved to now + expires_in, as a live answer would be


@dataclass
class GoTrueReplay:
    routes: dict[tuple[str, str, str | None], Replay] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    # The project's key: published in the JWKS, signs every access token.
    project_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    # What signs the tokens handed out (another key plays a foreign issuer).
    signing_key: ec.EllipticCurvePrivateKey | None = None
    issuer: str | None = None

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.project_key.public_key()))
        return {"keys": [{**public, "kid": KID, "alg": "ES256", "use": "sig"}]}

    def sign(self, recorded_token: str, expires_in: int) -> str:
        claims = jwt.decode(recorded_token, options={"verify_signature": False})
        now = int(time.time())
        claims.update(iss=self.issuer or f"{self.url}/auth/v1", iat=now, exp=now + expires_in)
        key = self.signing_key or self.project_key
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": KID})

    def respond(
        self, method: str, path: str, name: str, *, grant_type: str | None = None, shift_times: bool = True
    ) -> None:
        self.routes[(method, path, grant_type)] = Replay(name, shift_times)

    def last(self, path: str) -> Seen:
        return [s for s in self.seen if s.path == path][-1]

    def client(self) -> Any:
        """The app's Supabase client, pointed at this replay."""
        return supabase_auth.new_client(
            Settings(supabase_url=self.url, supabase_anon_key=SecretStr(ANON_KEY))
        )


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


def _handler(replay: GoTrueReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            replay.seen.append(Seen(self.command, parts.path, query, headers, body))
            if parts.path == JWKS_PATH:
                self._json(200, replay.jwks())
                return
            route = replay.routes.get((self.command, parts.path, (query.get("grant_type") or [None])[0]))
            if route is None:
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(
                    b'{"code":404,"error_code":"not_found","msg":"no recording for this request"}'
                )
                return
            answer = recorded(route.name)
            payload = answer["body"]
            if route.shift_times and isinstance(payload, dict) and "expires_in" in payload:
                payload = {**payload, "expires_at": int(time.time()) + int(payload["expires_in"])}
            if isinstance(payload, dict) and "access_token" in payload:
                lifetime = int(payload["expires_at"]) - int(time.time()) if "expires_at" in payload else 3600
                payload = {**payload, "access_token": replay.sign(payload["access_token"], lifetime)}
            self.send_response(answer["status"])
            for key, value in answer["headers"].items():
                self.send_header(key, value)
            if payload is None:
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = json.dumps(payload).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class serve:
    """with serve() as gotrue: … gotrue.url is the Supabase project URL."""

    def __enter__(self) -> GoTrueReplay:
        self.replay = GoTrueReplay()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.replay))
        self.replay.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.replay

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
