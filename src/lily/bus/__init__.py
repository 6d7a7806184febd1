"""Bus port: inbound events to workers (local store-backed queue or NATS JetStream), change-feed offsets."""

from lily.bus.base import Bus, ChangeFeed, Consumer, Delivery, InboundMessage

__all__ = ["Bus", "ChangeFeed", "Consumer", "Delivery", "InboundMessage"]
