"""The API's OpenAPI 3.1 document: `@documented(...)` on each API view, `/api/openapi.json`
built by walking `app.url_map` (so the document cannot drift from the routes).

Schemas are plain JSON Schema dicts or pydantic models (their `model_json_schema()`); a test
fails on any `/api/` route that is not documented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel

from web.security import access, declared_access

F = TypeVar("F", bound=Callable[..., Any])
Schema = Mapping[str, Any] | type[BaseModel] | None
_ATTR = "ecopatrol_openapi"
_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)>")
_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}
VERSION = "1.0"

bp = Blueprint("openapi", __name__)


@dataclass(frozen=True)
class Doc:
    """One view's documentation."""

    summary: str
    request: Schema = None
    response: Schema = None
    stream: str | None = None  # media type of a streamed response, e.g. text/event-stream
    query: Mapping[str, str] | None = None  # query parameter → description


def documented(
    *,
    summary: str,
    request: Schema = None,
    response: Schema = None,
    stream: str | None = None,
    query: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Describe an API view for the OpenAPI document."""

    def mark(view: F) -> F:
        setattr(view, _ATTR, Doc(summary, request, response, stream, query))
        return view

    return mark


def documentation(view: Callable[..., Any] | None) -> Doc | None:
    """The Doc a view carries, or None."""
    return getattr(view, _ATTR, None)


def _schema(value: Schema) -> dict[str, Any]:
    if value is None:
        return {"type": "object"}
    if isinstance(value, type) and issubclass(value, BaseModel):
        return value.model_json_schema()
    return dict(value)


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented route of `app`."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = documentation(view)
        if doc is None:
            continue
        path = _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        params = [
            {
                "name": m.group("name"),
                "in": "path",
                "required": True,
                "schema": _TYPES.get(m.group("conv") or "", {"type": "string"}),
            }
            for m in _PARAM.finditer(rule.rule)
        ]
        params += [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, text in (doc.query or {}).items()
        ]
        rule_access = declared_access(view)
        role = rule_access.role.label if rule_access and rule_access.role else None
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            content_type = doc.stream or "application/json"
            op: dict[str, Any] = {
                "summary": doc.summary,
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "tags": [rule.endpoint.split(".")[0]],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {content_type: {"schema": _schema(doc.response)}},
                    },
                    "401": {"description": "not logged in, or the login is not fresh"},
                    "403": {"description": "the role may not"},
                },
                "x-role": role,
                "x-fresh-login": bool(rule_access and rule_access.fresh),
            }
            if params:
                op["parameters"] = params
            if method in {"POST", "PUT", "PATCH", "DELETE"}:
                op["responses"]["400"] = {"description": "bad input (nothing changed) or no CSRF"}
                op["responses"]["409"] = {"description": "refused by the centre (nothing sent)"}
                if doc.request is not None:
                    op["requestBody"] = {
                        "required": True,
                        "content": {"application/json": {"schema": _schema(doc.request)}},
                    }
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "EcoPatrol command centre API",
            "version": VERSION,
            "description": "Session login (POST /login); state changes need the X-CSRFToken "
            "header; commands that move an aircraft need the pilot role, a fresh login and "
            '"confirm": true.',
        },
        "paths": paths,
    }


@bp.route("/api/openapi.json")
@access(None)
@documented(summary="This OpenAPI 3.1 document", response={"type": "object"})
def openapi_json():
    return jsonify(openapi_document(current_app))
