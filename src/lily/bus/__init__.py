"""Bus port: inbound events to workers (local store-backed queue or NATS JetStream)."""

from lily.bus.base import Bus, Consumer, Delivery, InboundMessage

__all__ = ["Bus", "Consumer", "Delivery", "InboundMessage"]
