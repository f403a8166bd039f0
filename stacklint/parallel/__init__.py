"""The only code that forks: one big stack checked or fixed on two cores, each process taking half of the services."""
