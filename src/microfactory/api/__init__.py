"""The HTTP API (FastAPI) and the dashboard it serves; build with :func:`create_app`."""

from microfactory.api.app import create_app

__all__ = ["create_app"]
