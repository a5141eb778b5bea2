"""Test-run environment, loaded as a pytest plugin (-p) before Django reads its settings."""

import os

# The suite runs with DEBUG off (as in production); it needs some secret key.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-4d9a7c")
# The test servers (Django's test client and the live server of the browser
# tests) speak plain HTTP; HTTPS redirection is the only production setting off.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
