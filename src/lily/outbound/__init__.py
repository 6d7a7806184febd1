"""Outbound: desired-state reconciliation of governance policy into targets (plan, render, deliver)."""
