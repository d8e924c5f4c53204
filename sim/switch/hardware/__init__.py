"""The chassis and what sits in it: modules, power supplies, fans, sensors, CPU, memory."""
