"""The working-day calendar as the database holds it: overrides, and clocks recomputed when it changes."""
