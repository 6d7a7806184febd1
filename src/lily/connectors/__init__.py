"""Connectors: discovery of the systems events cannot describe (S3 buckets and objects, PostgreSQL
catalogs) and the S3 → SQS notification path, each one module behind ``base.Kind`` and registered
in ``registry.BUILTIN``. Configured in a YAML file (``config``), run by ``lily connect run NAME`` or
on a cron schedule inside ``lily serve`` (``schedule``), recorded per run (``runner``).
See docs/connectors.md."""
