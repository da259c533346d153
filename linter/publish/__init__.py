"""What leaves the machine after a run: the CI run's context and pull-request reviews."""
