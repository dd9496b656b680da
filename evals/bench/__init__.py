"""Benchmark scripts (not tests): they print figures for the README."""
