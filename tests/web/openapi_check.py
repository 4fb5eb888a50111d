"""Every API response a web test receives is checked against the OpenAPI 3.1 document.

``CheckingClient`` is the test client class of the web tests' apps: after each
request to ``/api/…`` or ``/healthz`` it asserts that the document lists the
path, the method and the status, and that the body (decoded if compressed)
validates against the documented schema of its media type. OpenAPI 3.1's
schemas are JSON Schema 2020-12, so ``jsonschema`` validates them as they are,
with references resolved inside the document.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from typing import Any

import brotli
import jsonschema
from flask import Flask
from flask.testing import FlaskClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from web.openapi import openapi_document

DOC_URI = "urn:archive-search:openapi"
CHECKED_PREFIXES = ("/api/", "/healthz")
UNDOCUMENTED_METHODS = frozenset({"OPTIONS"})  # CORS preflights are the browser's, not the API's


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(
        openapi_document(), default_specification=DRAFT202012
    )
    registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
    return registry


def _template_of(path: str) -> str | None:
    for template in openapi_document()["paths"]:
        pattern = re.escape(template).replace(r"\{article_id\}", ".+")
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", pattern)
        if re.fullmatch(pattern, path):
            return str(template)
    return None


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def decoded_body(response: TestResponse) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding", "")
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return bytes(brotli.decompress(data))
    assert encoding in ("", "identity"), f"unexpected Content-Encoding {encoding}"
    return data


def check_response(method: str, path: str, response: TestResponse) -> None:
    """Assert that the document describes this response; unknown API paths must be 404s."""
    template = _template_of(path)
    status = str(response.status_code)
    if template is None:
        assert response.status_code in (404, 405), f"{path} is not in the document"
        return
    if method in UNDOCUMENTED_METHODS:
        return
    operations = openapi_document()["paths"][template]
    key = "get" if method == "HEAD" else method.lower()
    if key not in operations:
        assert response.status_code == 405, f"{method} {template} is not in the document"
        key = next(iter(operations))  # a 405 is documented on the path's operations
    operation = operations[key]
    assert status in operation["responses"], f"{method} {template} does not document {status}"
    documented = operation["responses"][status]
    content = documented.get("content", {})
    if method == "HEAD" or response.status_code == 304:
        assert not response.get_data(), f"{status} with a body"
        return
    mimetype = response.mimetype
    assert mimetype in content, f"{template} {status} does not document {mimetype}"
    if mimetype != "application/json":
        return
    body = json.loads(decoded_body(response))
    where = ("paths", template, key, "responses", status, "content", "application/json", "schema")
    ref = "#/" + _pointer(*where)
    validator = jsonschema.Draft202012Validator(
        {"$ref": DOC_URI + ref},
        registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(body)


class CheckingClient(FlaskClient):
    """A test client that checks each API response it receives against the document."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(CHECKED_PREFIXES):
            check_response(request.method, request.path, response)
        return response


def checking_client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckingClient
    return app.test_client()
