"""The run: its options, the pytest plugin, the runner CLI and its console."""
