"""Declared dataset pipelines over the lake: bronze → silver → gold → ML-ready, with retention.

One YAML file per pipeline (``spec``, ``validate``); ``runner.MedallionRunner`` runs one process
date. See docs/medallion.md.
"""
