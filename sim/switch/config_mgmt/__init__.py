"""Configuration management: running and startup configuration, `copy`."""
