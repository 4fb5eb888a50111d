"""JSON for the API through orjson: the same documents as Flask's encoder, at a fraction of
its cost (docs/decisions/0157-orjson-for-the-api.md has the measurement).

Output is compact UTF-8
(non-ASCII characters are written as themselves, not ``\\u`` escapes), keys
stay in insertion order, and dates and dataclasses are written as Flask's
provider writes them for the types we use (ISO dates).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import JSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS


def to_json(obj: Any, *, indent: bool = False) -> bytes:
    """The API's JSON bytes for ``obj`` (the CLI prints them too)."""
    option = _OPTIONS | orjson.OPT_INDENT_2 if indent else _OPTIONS
    return orjson.dumps(obj, default=_default, option=option)


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return to_json(obj).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return Response(to_json(obj), mimetype=self.mimetype)


def _default(value: object) -> object:
    # What orjson does not know natively; anything else is a programming error, loudly.
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
