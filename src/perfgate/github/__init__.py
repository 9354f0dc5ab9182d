"""GitHub: the composite Action's step, the sticky PR comment, job summary, annotations."""
