"""Pages of the needs app, one module per concern (see ``needs/urls.py``)."""
