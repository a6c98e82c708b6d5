#!/usr/bin/env bash
# Mutation testing of the pure parsing modules with mutmut (docs/MUTATION.md has the method and the
# last figures). Not part of the default test run: a full run takes about half an hour on two cores.
#
#   bench/mutation.sh                     # every module in the table below
#   bench/mutation.sh numerals sections   # some of them
#   MUTATION_JOBS=2 bench/mutation.sh     # parallel test processes (default 1; the machine is shared)
#   MUTATION_TIMEOUT_MULTIPLIER=4 bench/mutation.sh metrics
#                                         # a mutant's time-out: (its tests' time + 1 s) x this, in wall
#                                         # seconds (mutmut's default 15); an endless loop costs less
#
# Each module runs in its own scratch copy of the working tree (.mutation/<name>/, ignored by git),
# mutating that module only and running only the test files that exercise it; mutmut then runs, for
# each mutant, only the tests that called the mutated function. Results: .mutation/<name>.stats.json
# (mutmut's counts) and .mutation/<name>.survivors (one surviving mutant a line; `mutmut show NAME`
# inside .mutation/<name>/ prints its diff). The timed tests (*fast*, *quickly*, *in_time*) are left
# out: mutmut's call counting slows every function down, and a slow mutant is not a wrong one.
# Needs mutmut: .venv/bin/pip install -e ".[mutation]".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
JOBS=${MUTATION_JOBS:-1}
TIMEOUT_MULTIPLIER=${MUTATION_TIMEOUT_MULTIPLIER:-15.0}
# tests/conftest.py: Hypothesis without deadlines and with the same examples for every mutant, and
# the parser's cached tables rebuilt by every test (so that a mutant in the code building them runs).
export HYPOTHESIS_PROFILE=mutation FAZHI_MUTATION=1

if [ ! -x "$VENV/bin/mutmut" ]; then
  echo "mutation: $VENV/bin/mutmut not found; install it with: $VENV/bin/pip install -e \".[mutation]\"" >&2
  exit 2
fi

# name | module | test files exercising it
MODULES='
numerals|flows/core/numerals.py|tests/core/test_numerals.py tests/normalize/test_metrics.py
sections|flows/normalize/sections.py|tests/normalize/test_sections.py tests/normalize/test_generalization.py
catalog|flows/normalize/catalog.py|tests/normalize/test_catalog.py tests/normalize/test_metric_generalization.py
html_extract|flows/normalize/html_extract.py|tests/normalize/test_html_extract.py
metrics|flows/normalize/metrics.py|tests/normalize/test_metrics.py tests/normalize/test_metric_edges.py tests/normalize/test_metric_generalization.py
page_fields|flows/normalize/page_fields.py|tests/normalize/test_page.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
page|flows/normalize/page.py|tests/normalize/test_page.py tests/normalize/test_page_edges.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
regions|flows/normalize/regions.py|tests/normalize/test_regions.py tests/normalize/test_issuer_rules.py tests/normalize/test_issuer_edges.py tests/normalize/test_issuer_kinds.py tests/normalize/test_generalization.py
organs|flows/normalize/organs.py|tests/normalize/test_organs_edges.py tests/normalize/test_regions.py tests/normalize/test_issuer_rules.py tests/normalize/test_issuer_kinds.py tests/normalize/test_generalization.py
title|flows/normalize/title.py|tests/normalize/test_title_edges.py tests/normalize/test_page.py tests/normalize/test_page_edges.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
region_codes|flows/normalize/region_codes.py|tests/normalize/test_region_codes_edges.py tests/normalize/test_regions.py tests/normalize/test_issuer_rules.py tests/normalize/test_issuer_kinds.py tests/normalize/test_roster.py tests/normalize/test_generalization.py
url_places|flows/normalize/url_places.py|tests/normalize/test_url_places_edges.py tests/normalize/test_regions.py tests/normalize/test_issuer_rules.py tests/normalize/test_issuer_kinds.py
dates|flows/normalize/dates.py|tests/normalize/test_dates_edges.py tests/normalize/test_page.py tests/normalize/test_page_edges.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
chrome|flows/normalize/chrome.py|tests/normalize/test_chrome_edges.py tests/normalize/test_page.py tests/normalize/test_page_edges.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
report_kind|flows/normalize/report_kind.py|tests/normalize/test_report_kind_edges.py tests/normalize/test_page.py tests/normalize/test_page_edges.py tests/normalize/test_page_kinds.py tests/normalize/test_generalization.py
issuer_names|flows/normalize/issuer_names.py|tests/normalize/test_issuer_names_edges.py tests/normalize/test_regions.py tests/normalize/test_issuer_rules.py tests/normalize/test_issuer_kinds.py
'

selected=("$@")
known=$(printf '%s\n' "$MODULES" | awk -F'|' 'NF { print $1 }' | tr '\n' ' ')
for name in "${selected[@]}"; do
  case " $known " in *" $name "*) ;; *) echo "mutation: unknown module '$name' (known: $known)" >&2; exit 2 ;; esac
done

mkdir -p .mutation
printf '%s\n' "$MODULES" | while IFS='|' read -r name module tests; do
  [ -n "$name" ] || continue
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " == *" $name "* ]]; then
    continue
  fi
  work=.mutation/$name
  rm -rf "$work"
  mkdir -p "$work"
  # The working tree as it is (tracked files, uncommitted edits included), without the venv or outputs.
  git ls-files -z --cached --others --exclude-standard | (cd "$ROOT" && xargs -0 cp -P --parents -t "$work" 2>/dev/null || true)
  test_list=$(printf '"%s", ' $tests)
  cat >> "$work/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["flows/"]
only_mutate = ["$module"]
pytest_add_cli_args_test_selection = [${test_list%, }]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-k", "not fast and not quickly and not in_time"]
also_copy = ["schemas/", "flows/schemas/", "raw/", "bench/"]
timeout_multiplier = $TIMEOUT_MULTIPLIER
EOF
  echo "mutation: $name ($module) against $tests"
  started=$(date +%s)
  (cd "$work" && nice -n 10 "$VENV/bin/mutmut" run --max-children "$JOBS" > run.log 2>&1) || {
    echo "mutation: mutmut failed for $name; see $work/run.log" >&2
    tail -n 20 "$work/run.log" >&2
    continue
  }
  (cd "$work" && "$VENV/bin/mutmut" export-cicd-stats > /dev/null && cp mutants/mutmut-cicd-stats.json "../$name.stats.json")
  (cd "$work" && "$VENV/bin/mutmut" results | sed -n 's/^ *\([^ ]*\): \(survived\|no tests\|timeout\|suspicious\)$/\1 \2/p') > ".mutation/$name.survivors"
  echo "mutation: $name done in $(($(date +%s) - started)) s"
done

"$VENV/bin/python" - <<'EOF'
import json
from pathlib import Path

print(f"{'module':<14}{'mutants':>9}{'killed':>8}{'survived':>10}{'kill rate':>11}")
for stats in sorted(Path(".mutation").glob("*.stats.json")):
    s = json.loads(stats.read_text())
    total = s["total"] - s["skipped"]
    rate = s["killed"] / total if total else 0.0
    print(f"{stats.name.removesuffix('.stats.json'):<14}{total:>9}{s['killed']:>8}{total - s['killed']:>10}{rate:>10.1%}")
EOF
