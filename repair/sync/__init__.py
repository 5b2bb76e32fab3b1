"""Outbound sync adapters (互认): the message formats and transports to the credit portals, and reconciliation."""
