"""The command line: the launcher of `make run`, one server alone (`serve`), and the terminal chat."""
