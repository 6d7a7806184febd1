"""Lily as several processes: ``lily api``, ``lily scheduler`` (leader-elected cron work) and
``lily cluster up|status|down``, a local cluster on a throwaway PostgreSQL, ``nats-server`` and an
S3-compatible server (docs/deployment.md)."""
