"""Identity security (等保2.0 三级): sessions, sign-in throttling, passwords, second factor, 三员分立, security log."""
