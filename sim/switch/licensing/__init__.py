"""Smart Licensing Using Policy: the agent's commands, its `show license` output and config."""
