"""Authentication and authorisation: passwords, JWTs, refresh-token rotation, API keys, RBAC."""
