"""ASGI entry point for running the API under any server: ``uvicorn lily.api.asgi:app``.

Settings come from the environment; run ``lily db upgrade`` once before starting processes.
"""

from lily.api.app import create_app

app = create_app()
