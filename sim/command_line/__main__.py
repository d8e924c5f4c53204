"""`python -m sim.command_line`: the `slpsim` command without its console script."""

from sim.command_line import main

main()
