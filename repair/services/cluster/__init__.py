"""Running on several machines: the configured blob stores, key material kept in the database."""
