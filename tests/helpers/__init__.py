"""Helpers shared by the tests: tiny data, tiny models, tool runs and injected faults."""
