"""The OpenAPI document is generated from the code, and the documentation page from the document."""


def test_the_document_declares_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = {rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(spec["paths"]) == routes
    officers = spec["paths"]["/api/v1/officers"]["get"]
    assert officers["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in officers["parameters"]} == {"limit", "cursor", "updated_since"}
    assert spec["paths"]["/api/v1/verify/{code}"]["get"]["security"] == []
    too_many = spec["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert "Retry-After" in too_many["headers"] and "application/problem+json" in too_many["content"]


def test_the_docs_page_shows_every_operation_and_schema_without_inline_script(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    for path in spec["paths"]:
        assert f"GET {path}</code>" in html
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script>" not in html and " style=" not in html
