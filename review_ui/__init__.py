"""The registry desk (Chinese web UI) and the token-authenticated REST API, over the ``ingest`` services.

``create_app(rt)`` builds the Flask application for one :class:`ingest.runtime.Runtime`. Views are thin:
they parse the request, call a service and render the dataclass it returns.
"""
from review_ui.app import create_app

__all__ = ["create_app"]
