"""Local user accounts: `username`, `show user-account`, `show users`."""
