"""The dashboard: static HTML, CSS and plain ES modules in ``static/`` (no build step, no CDN)."""
