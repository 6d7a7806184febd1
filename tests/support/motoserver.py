"""A moto server (S3, SQS, ...) in a child process, for tests and benchmarks (``lily.cluster.moto``)."""

from lily.cluster.moto import ACCESS_KEY, REGION, SECRET_KEY, MotoServer

__all__ = ["ACCESS_KEY", "REGION", "SECRET_KEY", "MotoServer"]
