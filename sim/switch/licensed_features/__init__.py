"""NX-OS features that consume a license: `feature <name>` changes license usage."""
