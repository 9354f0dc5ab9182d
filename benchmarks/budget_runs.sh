#!/usr/bin/env bash
# Budgets head alone, as a newcomer meets them: fresh clones of this repository run
# `nox -s perf` (on a clean main: head alone, budgets judged), unchanged and with a commit
# that makes load_config 2x slower (the config loaded twice), idle and with two CPU hogs,
# alternating. Prints one line a run; the reports stay in the scratch folder.
# Run: bash benchmarks/budget_runs.sh [RUNS] (docs/budgets.md has the table; ~1 min a run)
set -u
runs=${1:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
echo "scratch: $scratch"
for i in $(seq 1 "$runs"); do
  for variant in unchanged slow2x; do
    for load in idle hogs; do
      d=$scratch/$variant-$load-$i
      git clone -q "$repo" "$d"
      if [ "$variant" = slow2x ]; then
        python3 - "$d/src/perfgate/config.py" <<'PY'
import sys
from pathlib import Path
p = Path(sys.argv[1]); s = p.read_text()
old = "def load_config(path: Path | None) -> Config:\n"
assert old in s
p.write_text(s.replace(old, old + "    _load_config_once(path)\n    return _load_config_once(path)\n\n\ndef _load_config_once(path: Path | None) -> Config:\n"))
PY
        git -C "$d" -c user.name=perfgate -c user.email=perfgate@localhost commit -qam "load_config twice"
      fi
      hogs=()
      if [ "$load" = hogs ]; then
        for _ in 1 2; do python3 -c "while True: pass" & hogs+=($!); done
      fi
      (cd "$d" && nox -s perf > out.log 2>&1); rc=$?
      for pid in "${hogs[@]}"; do kill "$pid"; done
      python3 - "$d/.perfgate/report.json" "$variant $load $i exit=$rc" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["benchmarks"]
used = sorted(((r["budget"]["value"] / r["budget"]["critical"], r["name"].split("::")[-1])
               for r in rows if r.get("budget")), reverse=True)
print(sys.argv[2], "largest scaled p95 / critical:", ", ".join(f"{n} {v:.2f}" for v, n in used[:2]))
PY
    done
  done
done
