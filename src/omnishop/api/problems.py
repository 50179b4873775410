"""RFC 9457 problem details: every error the API returns has this one shape and a stable code."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from omnishop.kernel.errors import DomainError
from omnishop.kernel.logging import get_logger

log = get_logger(__name__)
MEDIA_TYPE = "application/problem+json"

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def problem(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"https://omnishop.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _field_path(loc: tuple[Any, ...]) -> str:
    # ("body", "variants", 0, "sku") -> "variants[0].sku"; ("query", "limit") -> "limit"
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = dict(exc.extra)
        if exc.field:
            extra["errors"] = [{"field": exc.field, "message": exc.detail}]
        return problem(exc.status, exc.code, exc.title, exc.detail, request.url.path, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_path(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(
            422, "validation_failed", "Invalid input", detail, request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        response = problem(
            exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path
        )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race that a service's own check could not see (two concurrent creates
        # of one SKU): the database refused the second write, which is a conflict, not a crash.
        log.info("integrity conflict", path=request.url.path, error=str(exc.orig)[:200])
        return problem(
            409,
            "conflict",
            "Conflict",
            "the change conflicts with existing data (a duplicate or a missing reference)",
            request.url.path,
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL refuses NUL characters in text; that is bad input, not a server fault.
        if "0x00" in str(exc.orig) or "invalid byte sequence" in str(exc.orig):
            return problem(
                422,
                "invalid_text",
                "Invalid input",
                "text must not contain NUL characters",
                request.url.path,
            )
        log.error("database error", path=request.url.path, error=str(exc.orig)[:500])
        return problem(
            503, "database_unavailable", "Try again", "the database failed", request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return problem(
            500, "internal_error", "Internal error", "unexpected error", request.url.path
        )
