"""Settings, shared secrets and the pseudonymous identity: what every process reads first."""
