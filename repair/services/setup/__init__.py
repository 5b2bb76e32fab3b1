"""Setting up an instance: the runtime, init, departments and demo data."""
