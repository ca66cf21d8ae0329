"""Benchmarks: each prints a table with its anchor measured in the same run (./dev bench)."""
