"""VLANs: `vlan <ids>`, its sub-mode, and `show vlan [brief]`."""
