"""Governance: pure logic over the model (classification propagation, security rule evaluation)."""
