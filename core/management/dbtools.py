import os
import shutil
import subprocess
import tempfile
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


def _connection_options():
    """(options, environment) for the PostgreSQL client programs: the password via the environment."""
    settings = connection.settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    options = [f"--host={settings.get('HOST') or 'localhost'}", f"--port={settings.get('PORT') or 5432}",
               f"--username={settings.get('USER') or 'postgres'}", f"--dbname={settings['NAME']}"]
    return options, env


def pg_command(name, arguments):
    """Run pg_dump or pg_restore against the configured database."""
    options, env = _connection_options()
    result = subprocess.run([_pg_binary(name), *options, *arguments], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{name} failed: {result.stderr.strip()}")


# pg_restore --clean cannot replace a partitioned table (the audit log): it drops each partition's
# inherited primary key by itself, which PostgreSQL refuses. So the schema is emptied and the dump
# loaded in one psql transaction, committed only when pg_restore has read the whole file: on any
# error psql ends without COMMIT and nothing changes.
EMPTY_SCHEMA = "BEGIN;\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public AUTHORIZATION pg_database_owner;\n"


def pg_restore_replacing(source):
    """Replace the database's contents (schema public) with a pg_dump custom-format file, atomically."""
    options, env = _connection_options()
    with tempfile.TemporaryFile() as dump_errors, tempfile.TemporaryFile() as load_errors:
        dump = subprocess.Popen([_pg_binary("pg_restore"), "--no-owner", "--file=-", str(source)],
                                stdout=subprocess.PIPE, stderr=dump_errors, env=env)
        load = subprocess.Popen([_pg_binary("psql"), *options, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                 "--file=-"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=load_errors, env=env)
        try:
            load.stdin.write(EMPTY_SCHEMA.encode())
            shutil.copyfileobj(dump.stdout, load.stdin)
            dump_status = dump.wait()
            if dump_status == 0:
                load.stdin.write(b"COMMIT;\n")
            load.stdin.close()
        except BrokenPipeError:  # psql stopped at an error (its message says which); pg_restore may not be done
            dump.stdout.close()
            dump_status = dump.wait()
        load_status = load.wait()
        for status, errors, name in ((dump_status, dump_errors, "pg_restore"), (load_status, load_errors, "psql")):
            if status != 0:
                errors.seek(0)
                raise CommandError(f"{name} failed, nothing restored: {errors.read().decode(errors='replace').strip()}")
