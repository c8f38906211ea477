"""One router per resource; :func:`microfactory.api.app.create_app` mounts them under ``/api/v1``."""
