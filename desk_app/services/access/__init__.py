"""Access to the agency's web applications: accounts, role grants and user-manager designations
(:mod:`.accounts`)."""
