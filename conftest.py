"""Settings for the whole test run.

Test users hash their passwords with MD5: Argon2 (production's hasher, see samverkan/settings.py)
costs tens of milliseconds a user by design, which the suite pays thousands of times over. The test
that production hashes with Argon2 sets the real list back for itself.
"""

from django.conf import settings


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
