"""The JSON API (/api/v1): per-agency and program tokens, read-only resources, OpenAPI 3."""
