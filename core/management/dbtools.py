import os
import shutil
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection


def _pg_binary(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise CommandError(f"{name} is not installed (Debian package postgresql-client).")


def pg_command(name, arguments):
    """Run pg_dump or pg_restore against the configured database; the password via the environment."""
    settings = connection.settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    options = [f"--host={settings.get('HOST') or 'localhost'}", f"--port={settings.get('PORT') or 5432}",
               f"--username={settings.get('USER') or 'postgres'}", f"--dbname={settings['NAME']}"]
    result = subprocess.run([_pg_binary(name), *options, *arguments], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{name} failed: {result.stderr.strip()}")
