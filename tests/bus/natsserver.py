"""A throwaway ``nats-server -js`` on free ports (``lily.cluster.nats``, shared with ``lily cluster``)."""

from lily.cluster.nats import NatsServer, binary

__all__ = ["NatsServer", "binary"]
