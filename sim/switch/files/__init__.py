"""Files: `dir bootflash:` (the file system itself is sim/switch/bootflash.py)."""
