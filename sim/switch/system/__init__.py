"""System: hostname, version, clock, ping and reload."""
