"""A stand-in for the commune's identity provider: a real OpenID Connect
server on 127.0.0.1, in a thread (authorization, token, userinfo, JWKS).

It signs whoever the test puts in ``person`` in: the authorization endpoint
answers at once with a code (no login form), the token endpoint checks the
client's secret, the redirect address and the PKCE verifier, and issues an
ID token carrying the nonce, signed RS256 (its key published as JWKS) or
HS256 (with the client's secret); userinfo answers the person's claims
for the access token. Each code works once.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "rendez-vous"
CLIENT_SECRET = "s3cret-of-the-client-at-least-32-bytes"
KEY_ID = "stub-key-1"


class IdentityProvider(ThreadingHTTPServer):
    """The provider; ``person`` holds the claims of whoever signs in next."""

    def __init__(self, algorithm: str = "RS256"):
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.algorithm = algorithm
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.person: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.calls: list[str] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict:
        """The OIDC_* settings of a site that uses this provider."""
        return {
            "OIDC_PROVIDER_NAME": "Commune ID",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_RP_SIGN_ALGO": self.algorithm,
        }

    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": grant["person"].get("sub", grant["person"].get("email", "")),
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": grant["person"].get("email"),
        }
        if self.algorithm == "HS256":
            return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256")
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class ProviderHandler(BaseHTTPRequestHandler):
    server: IdentityProvider

    def do_GET(self):  # http.server's naming
        address = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(address.query).items()}
        self.server.calls.append(address.path)
        if address.path == "/authorize":
            return self._authorize(query)
        if address.path == "/userinfo":
            return self._userinfo()
        if address.path == "/jwks":
            return self._json(200, self.server.jwks())
        return self._json(404, {"error": "not_found"})

    def do_POST(self):  # http.server's naming
        length = int(self.headers["Content-Length"])
        form = {
            key: values[0]
            for key, values in parse_qs(self.rfile.read(length).decode()).items()
        }
        self.server.calls.append(urlsplit(self.path).path)
        if self.path == "/token":
            return self._token(form)
        return self._json(404, {"error": "not_found"})

    def _authorize(self, query: dict):
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return self._json(400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        self.server.codes[code] = {
            "person": dict(self.server.person),
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "challenge": query.get("code_challenge"),
        }
        target = (
            query["redirect_uri"]
            + "?"
            + urlencode({"code": code, "state": query["state"]})
        )
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self, form: dict):
        grant = self.server.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or _challenge(form.get("code_verifier", "")) != grant["challenge"]
        ):
            return self._json(400, {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(16)
        self.server.tokens[access_token] = grant["person"]
        return self._json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.server.id_token(grant),
            },
        )

    def _userinfo(self):
        scheme, _space, token = (self.headers["Authorization"] or "").partition(" ")
        person = self.server.tokens.get(token) if scheme == "Bearer" else None
        if person is None:
            return self._json(401, {"error": "invalid_token"})
        return self._json(200, person)

    def _json(self, status: int, answer: dict):
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
