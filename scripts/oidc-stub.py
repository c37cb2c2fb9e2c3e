"""A Keycloak-shaped OIDC issuer for `make bench`: serves the realm's discovery document and JWKS and writes
one Keycloak-shaped RS256 access token to a file, so the benchmark can send Lintel realistic tokens.

    oidc-stub.py PORT REALM TOKEN_FILE

Needs PyJWT and cryptography (the test venv has both). The test suite uses its own double, written in
Swift (Tests/AuthTests/Support/KeycloakDouble.swift).
"""
import json
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

port, realm, token_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
issuer = f"http://127.0.0.1:{port}/realms/{realm}"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
kid = uuid.uuid4().hex
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
documents = {
    f"/realms/{realm}/.well-known/openid-configuration": {
        "issuer": issuer,
        "jwks_uri": issuer + "/protocol/openid-connect/certs",
        "token_endpoint": issuer + "/protocol/openid-connect/token",
        "id_token_signing_alg_values_supported": ["RS256"],
    },
    f"/realms/{realm}/protocol/openid-connect/certs": {"keys": [jwk]},
}

now = int(time.time())
claims = {
    "exp": now + 3600, "iat": now, "auth_time": now, "jti": str(uuid.uuid4()), "iss": issuer, "aud": ["api", "account"],
    "sub": str(uuid.uuid4()), "typ": "Bearer", "azp": "api", "sid": str(uuid.uuid4()), "acr": "1",
    "realm_access": {"roles": ["offline_access", "uma_authorization", f"default-roles-{realm}"]},
    "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
    "scope": "openid profile email", "email_verified": True, "name": "Bench Mark", "preferred_username": "bench",
    "given_name": "Bench", "family_name": "Mark", "email": "bench@keycloak.example",
}
with open(token_file, "w") as out:
    out.write(jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"}))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        document = documents.get(self.path)
        body = json.dumps(document if document is not None else {"error": "not found"}).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
