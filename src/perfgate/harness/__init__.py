"""Running harnesses: side environments, git worktrees, processes, rounds."""
