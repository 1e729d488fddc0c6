# Sourced by scripts/test and scripts/reliability: the long runs' full size and their figures.
# The counts a plain `pytest` keeps small (30 fault sequences, 150 fuzz inputs); the caller's
# environment may set others.
export HARNESS_FAULT_SEQUENCES=${HARNESS_FAULT_SEQUENCES:-200}
export HARNESS_FUZZ_EXAMPLES=${HARNESS_FUZZ_EXAMPLES:-1000}

# Each long run writes reports/reliability/<name>.json: print them, one line each.
print_figures() {
  echo "== reliability figures (reports/reliability/)"
  for figure in reports/reliability/*.json; do
    [ -e "$figure" ] && echo "$(basename "$figure" .json): $(tr -d '\n' < "$figure" | tr -s ' ')"
  done
  return 0
}
