"""Decisions: pure functions from measurements and config to verdicts; no I/O."""
