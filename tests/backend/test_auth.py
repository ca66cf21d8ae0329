"""Login, refresh rotation with reuse detection, logout, /me and token errors."""

from __future__ import annotations

import statistics
import time

import httpx
import jwt

from tests.backend.support import assert_envelope, client


def _login(server, username, password):
    return httpx.post(
        f"{server.api}/auth/login", json={"username": username, "password": password}, timeout=10
    )


def test_login_ok_returns_tokens_and_staff(backend_server):
    body = backend_server.login("marta")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert len(body["refresh_token"]) >= 43  # 256 bits, base64url
    assert body["staff"] == {
        "id": 1,
        "username": "marta",
        "full_name": body["staff"]["full_name"],
        "role": "informador",
        "office_id": 1,
        "languages": ["ca", "es", "en"],
        "skills": body["staff"]["skills"],
    }
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "1" and claims["role"] == "informador" and claims["office_id"] == 1
    assert claims["exp"] - claims["iat"] == 900
    with client(backend_server) as c:
        me = c.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "marta"


def test_wrong_password_and_unknown_user_answer_the_same(fresh_backend):
    def attempt(username):
        t0 = time.perf_counter()
        r = _login(fresh_backend, username, "not-the-password")
        return r, time.perf_counter() - t0

    # Warm both paths once, then alternate so drift affects both equally (4 each < the 5-failure limit).
    attempt("marta")
    attempt("nobody-here")
    wrong, unknown = [], []
    for _ in range(3):
        r1, t1 = attempt("marta")
        r2, t2 = attempt("nobody-here")
        assert r1.status_code == r2.status_code == 401
        assert (
            r1.json()
            == r2.json()
            == {
                "detail": "Wrong username or password",
                "code": "invalid_credentials",
                "errors": [],
            }
        )
        wrong.append(t1)
        unknown.append(t2)
    # Both run one Argon2id verification; without the dummy hash the unknown user would be ~100x faster.
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2.0, (wrong, unknown)


def test_login_rate_limited_per_username_and_ip(fresh_backend):
    for _ in range(5):
        assert _login(fresh_backend, "pau", "bad").status_code == 401
    limited = _login(fresh_backend, "pau", "demo")  # even the right password waits
    body = assert_envelope(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert "try again" in body["detail"]
    assert _login(fresh_backend, "marta", "demo").status_code == 200  # other usernames unaffected


def test_refresh_rotates_and_reuse_revokes_the_family(backend_server):
    first = backend_server.login("jordi")
    with client(backend_server) as c:
        r = c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert r.status_code == 200, r.text
        second = r.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["staff"]["username"] == "jordi"
        assert c.get("/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200

        # The rotated-out token is presented again: theft suspected, the whole family dies.
        assert_envelope(c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401)
        assert_envelope(c.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)

        # Another session (another family) of the same user is unaffected.
        other = backend_server.login("jordi")
        assert c.post("/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 200


def test_logout_revokes_the_refresh_token(backend_server):
    tokens = backend_server.login("nerea")
    with client(backend_server) as c:
        assert c.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
        assert_envelope(c.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
        # Unknown tokens answer the same (nothing to learn from logout).
        assert c.post("/auth/logout", json={"refresh_token": "x" * 43}).status_code == 204


def test_access_token_errors(backend_server):
    secret = (backend_server.data_dir / "jwt-secret").read_text().strip()
    now = int(time.time())
    expired = jwt.encode(
        {"sub": "1", "role": "informador", "office_id": 1, "iat": now - 1000, "exp": now - 10},
        secret,
        "HS256",
    )
    forged = jwt.encode(
        {"sub": "5", "role": "admin", "office_id": None, "exp": now + 60}, "not-the-secret-" * 4, "HS256"
    )
    with client(backend_server) as c:
        assert_envelope(c.get("/me"), 401, "not_authenticated")
        assert_envelope(c.get("/me", headers={"Authorization": f"Bearer {expired}"}), 401, "token_expired")
        assert_envelope(c.get("/me", headers={"Authorization": f"Bearer {forged}"}), 401, "not_authenticated")
        assert_envelope(c.get("/me", headers={"Authorization": "Bearer not.a.jwt"}), 401, "not_authenticated")
        assert_envelope(
            c.get("/me", headers={"Authorization": "Basic bWFydGE6ZGVtbw=="}), 401, "not_authenticated"
        )
        r = c.get("/appointments", headers={"Authorization": f"Bearer {expired}"})
        assert_envelope(r, 401, "token_expired")
        assert r.headers["WWW-Authenticate"] == "Bearer"
