"""HTTP edge: FastAPI application, authentication, per-route permissions, problem+json errors."""
