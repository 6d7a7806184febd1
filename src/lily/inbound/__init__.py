"""Inbound flow: producer payloads → metadata operations (``sources``), then enrich and apply."""
