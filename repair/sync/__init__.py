"""Outbound sync of repair conclusions to the credit portals (互认), and reconciliation."""
