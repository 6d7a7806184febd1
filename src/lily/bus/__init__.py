"""Bus port: inbound events to workers (local store-backed queue or NATS JetStream); ``base`` is the port."""
