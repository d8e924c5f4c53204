"""Interfaces: the front-panel ports and mgmt0 of each PID, `show interface` and friends."""
