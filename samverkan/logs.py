"""Logging: plain lines by default, one JSON object per line with LOG_FORMAT=json (python-json-logger).

Nothing about patients goes into the logs. Patient URLs carry only an opaque id and numbers are
searched by POST; still, the request line logs the URL *pattern* and view name (never the path with
its ids, never the query string), and a filter masks anything shaped like a personnummer in every
record, for the lines Django itself writes ("Not Found: /path").
"""

import logging
import re
import time

from django.conf import settings
from pythonjsonlogger.core import RESERVED_ATTRS

# 12 or 10 digits, optionally with - or + before the last four (personnummer, samordningsnummer).
PERSONAL_NUMBER = re.compile(r"(?<![\w-])(?:\d{8}|\d{6})[-+]?\d{4}(?![\w-])")
MASK = "[nummer]"


class MaskPersonalNumbers(logging.Filter):
    """Replace personnummer-shaped digits in the message (and its arguments) with a mask, and the
    path of a request Django logs (a 404, a 500) with its URL pattern."""

    def filter(self, record):
        original = message = record.getMessage()
        request = getattr(record, "request", None)
        # runserver's own records carry its socket as "request": only a real request has a path.
        path = getattr(request, "path", None)
        if path and path in message:
            # Django's "Not Found: /patienter/<id>/": the URL pattern instead of the path with its ids.
            match = getattr(request, "resolver_match", None)
            message = message.replace(path, "/" + match.route if match is not None else "[sökväg]")
        masked = PERSONAL_NUMBER.sub(MASK, message)
        if masked != original:
            record.msg, record.args = masked, None
        # A traceback carries values too (PostgreSQL's "Key (personal_number)=(…) already exists"):
        # format it here, masked, so no handler formats the raw one.
        if record.exc_info:
            record.exc_text = PERSONAL_NUMBER.sub(MASK, logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = PERSONAL_NUMBER.sub(MASK, record.stack_info)
        return True


def logging_config(log_format="plain", level="INFO"):
    """The LOGGING setting. `log_format` "json" gives one JSON object per line with the time, level,
    logger name and message, plus any `extra` fields (the request line's method, route, status)."""
    formatters = {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC, whatever the process's time zone
            # Django adds the request to its records; its repr carries the full path and query string.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        },
    }
    if log_format not in formatters:
        raise ValueError(f"LOG_FORMAT must be 'plain' or 'json', not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask_personal_numbers": {"()": "samverkan.logs.MaskPersonalNumbers"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format,
                                 "filters": ["mask_personal_numbers"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console and mail handlers go: its records reach the one handler above.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "axes": {"level": "WARNING"},
        },
    }


request_logger = logging.getLogger("samverkan.request")


class RequestLogMiddleware:
    """One line per request when settings.LOG_REQUESTS: method, URL pattern, view, status, time.
    Replaces the web server's access log, which would carry the full path and query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.LOG_REQUESTS:
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = "/" + match.route if match is not None else None
        view = match.view_name if match is not None else None
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        request_logger.info("%s %s %s", request.method, route or "-", response.status_code,
                            extra={"method": request.method, "route": route, "view": view,
                                   "status": response.status_code, "duration_ms": duration_ms})
        return response
