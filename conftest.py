"""Test-run environment, set before Django's settings are read."""

import os

# The suite runs with DEBUG off (as in production); it needs some secret key.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-4d9a7c")
