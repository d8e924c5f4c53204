"""What a switch learns from the switches cabled to it: LLDP, CDP and ARP."""
