"""gunicorn reads this file from the directory it starts in (the checkout). Its own log lines take the
application's format (LOG_FORMAT=json: one JSON object per line) and level; it keeps no access log,
which would hold full paths and query strings: the application logs one line per request instead
(samverkan/logs.py). Everything else comes from the command line or GUNICORN_CMD_ARGS (README.md)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gunicorn import glogging  # noqa: E402

from samverkan.logs import logging_config  # noqa: E402

logconfig_dict = logging_config(os.environ.get("LOG_FORMAT", "plain"), os.environ.get("LOG_LEVEL", "INFO"))
logconfig_dict["loggers"].update({
    "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
    "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
})


class _Logger(glogging.Logger):
    """gunicorn's logger without its access log. With a logging config (above) gunicorn builds every
    request's access-log fields and hands them to "gunicorn.access", which drops them (no handlers):
    ~5 % of an API request's CPU for nothing (issue 14). The application logs one line per request."""

    def access(self, resp, req, environ, request_time):
        return None


logger_class = _Logger
