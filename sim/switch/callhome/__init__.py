"""Call Home: the `callhome` block and its CiscoTAC-1 profile, a licensing transport."""
