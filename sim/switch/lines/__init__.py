"""The console and vty lines: `line console`, `line vty`, `exec-timeout`."""
