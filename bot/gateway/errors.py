"""JSON errors for every failure, so clients never see an HTML page or a stack trace."""
from __future__ import annotations

import json
import logging

from aiohttp import web

log = logging.getLogger(__name__)


class JSONError(web.HTTPException):
    """An HTTP error of any status whose body is {"error": message}."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        super().__init__(text=json.dumps({"error": message}, ensure_ascii=False),
                         content_type="application/json", headers=headers)


def json_error(status: int, message: str,
               headers: dict[str, str] | None = None) -> web.HTTPException:
    """The exception to raise for an HTTP error with a JSON body naming what was wrong."""
    return JSONError(status, message, headers)


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Turn every aiohttp or unexpected error into a JSON body (HTML pages keep their own)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        if not request.path.startswith(("/api/", "/webhooks/", "/healthz")):
            raise
        raise json_error(exc.status, exc.reason, headers=_keep_headers(exc)) from None
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        raise json_error(500, "internal error") from None


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Retry-After", "Allow")}
