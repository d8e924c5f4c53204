"""System: hostname, version, inventory, clock, ping and reload."""
