"""Batch pipelines over the medallion lake (raw → bronze → silver → gold).

Every step takes ``process_date`` (and any timestamps or run ids) from its caller and never reads
the clock, so a re-run of a day with the same inputs writes the same rows. See ``docs/pipelines.md``.
"""
