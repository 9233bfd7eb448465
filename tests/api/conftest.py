from __future__ import annotations

from typing import Any

import pytest

from jointdegree.auth.tokens import create_token


@pytest.fixture
def tokens(app: Any, world: dict[str, Any]) -> dict[str, str]:
    """A token for each user of the world, keyed like the world ('admin', 'student', …)."""
    made = {}
    with app.test_request_context():
        for key in ("admin", "registrar_nice", "registrar_haikou", "professor", "student"):
            made[key] = create_token(world[key], f"{key} token").secret
    return made


@pytest.fixture
def api(client: Any, tokens: dict[str, str]) -> Any:
    """``api("GET", "/me", as_="student", json=...)`` → the test client's response."""

    def call(method: str, path: str, as_: str | None = "registrar_nice", **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            headers.setdefault("Authorization", f"Bearer {tokens[as_]}")
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call
