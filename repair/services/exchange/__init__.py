"""Exchange with other systems: imports, sync to the credit portals, mutual recognition and prefill."""
