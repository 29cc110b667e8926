import pytest

from portal.api.services import create_token


@pytest.fixture
def token_for():
    """A new token's value: for an agency, or for the program (None)."""
    def make_token(agency=None, days=None, label="Records system"):
        return create_token(label, agency, days)[1]
    return make_token


@pytest.fixture
def api(client):
    """GET /api/v1/<path> with a Bearer token."""
    def get(path, token=None, **headers):
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith(("/", "http")) else f"/api/v1/{path}"
        return client.get(url, headers=headers)
    return get
