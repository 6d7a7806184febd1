"""Data contracts (ODCS v3.1): import/export without losing fields, lint, diff (breaking or not),
evaluation on every change of the dataset and on a schedule (schema drift, freshness, quality in
one scan), incidents that open on a breach and resolve themselves, and freshness monitoring.

``odcs`` reads documents, ``lint``/``diff`` are pure, ``checks`` compiles rules to Lily quality
checks, ``evaluate`` judges observations, ``service`` gathers them and writes through the apply
path, ``monitor`` is the change-feed consumer and schedule, ``readers/`` read a partition per
server type.
"""
