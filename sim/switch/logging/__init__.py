"""Logging: the syslog logfile and remote syslog servers."""
