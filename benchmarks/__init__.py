"""Benchmarks: read public instances from ../shared/bench/, print a CSV table and a summary line."""
