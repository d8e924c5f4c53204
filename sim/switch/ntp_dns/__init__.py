"""NTP and DNS: `ntp server`, `ip domain-*`, `ip name-server`, `ip host`, `vrf context`."""
