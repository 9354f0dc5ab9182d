"""One module per command. A command reads its inputs, calls library functions (never another
command), writes what it shows and returns its result: a Report for check, compare and run,
an exit code for the others. Exit codes and ``::error`` lines are made in :mod:`perfgate._cli`
alone."""
