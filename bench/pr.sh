#!/usr/bin/env bash
# bench/pr.sh N — what people wait for (issue 13): the requests a pull
# request's plan of k repositories costs in a simulated org of N
# repositories (target: at most k + 10, whatever N), and the primary points
# a warm nightly plan costs per repository (target: at most 0.03).
#
#   bench/pr.sh 1000
#
# The real binary against the simulated GitHub (cmd/ghsim) over loopback,
# as a GitHub App (so the installation lookup and the token request are
# counted). Needs Go, bash, curl (loopback only). No credentials, no
# network.
#
# Steps:
#   1. build permsync and ghsim;
#   2. generate the org (as bench/plan.sh does: N repositories, 30 direct
#      collaborators, 3 team grants on each from TEAMS teams, protection,
#      rulesets) and write its files with permsync import from a first
#      simulator, which is then stopped;
#   3. edit the files of the pull request's repositories: one more member
#      with triage and one more required review each;
#   4. start the measured simulator (same seed, so the same org) and run,
#      each with its own new cache directory (cold) unless said:
#        pr-k1   plan --repo R            (k = 1)
#        pr-k5   plan --repo R1 … --repo R5 (k = 5)
#        nightly-cold  plan of every file
#        nightly-warm  the same, again, with the cache of nightly-cold
#                      (a new process, so a new installation token)
#   5. print a table from the simulator's counters (GET /_ghsim/stats,
#      reset before each run).
#
# Environment: TEAMS (default 12), LATENCY (default 0), SEED (default 1),
# OUT (work directory, default bench/out/pr-N; it is replaced).
set -euo pipefail

N=${1:-}
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]] || [ "$N" -lt 5 ]; then
	echo "usage: bench/pr.sh N   (N >= 5 repositories, e.g. 1000)" >&2
	exit 2
fi
TEAMS=${TEAMS:-12}
LATENCY=${LATENCY:-0}
SEED=${SEED:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/out/pr-$N}

GEN=(-org acme -repos "$N" -collaborators 30 -team-grants 3 -teams "$TEAMS" -protection -rulesets -seed "$SEED")
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup

# 2. The permission files, from a simulator that is not measured.
echo "generating a $N-repository org ($TEAMS teams) and importing its files" >&2
import_files "$OUT/perms"

# 3. The pull request: five repositories spread over the org.
PR=()
for i in 1 2 3 4 5; do
	PR+=("$(printf 'repo-%04d' $(((i - 1) * N / 5 + 1)))")
done
for r in "${PR[@]}"; do
	edit_file "$OUT/perms/acme/$r.yaml"
done

# 4. The measured simulator.
start_sim measured -latency "$LATENCY"

measure() {
	local name=$1
	shift
	curl -fsS -X POST "$STATS/reset" >/dev/null
	local rc=0
	ps_run "$OUT/permsync" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
	curl -fsS "$STATS" >"$OUT/$name.stats"
	echo "$rc" >"$OUT/$name.rc"
	echo "  $name: exit $rc, $(tail -n 1 "$OUT/$name.out")" >&2
}

echo "planning" >&2
measure pr-k1 plan --dir "$OUT/perms" --cache-dir "$OUT/cache-k1" --repo "${PR[0]}"
k5=()
for r in "${PR[@]}"; do
	k5+=(--repo "$r")
done
measure pr-k5 plan --dir "$OUT/perms" --cache-dir "$OUT/cache-k5" "${k5[@]}"
measure nightly-cold plan --dir "$OUT/perms" --cache-dir "$OUT/cache-nightly"
measure nightly-warm plan --dir "$OUT/perms" --cache-dir "$OUT/cache-nightly"

# 5. The table.

printf '\npermsync plan, %s repositories (30 direct collaborators, 3 team grants from %s teams, protection each), as a GitHub App, latency %s\n\n' "$N" "$TEAMS" "$LATENCY"
printf '| run | exit | k | requests | target | REST | 304 | GraphQL queries | primary points | points/repo | plan |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for run in pr-k1 pr-k5 nightly-cold nightly-warm; do
	case $run in
	pr-k1) k=1 target="<= 11" ;;
	pr-k5) k=5 target="<= 15" ;;
	nightly-cold) k=$N target="" ;;
	nightly-warm) k=$N target="<= 0.03 points/repo" ;;
	esac
	req=$(stat "$run" requests)
	gql=$(($(stat "$run" graphql_queries) + $(stat "$run" graphql_mutations)))
	awk -v run="$run" -v rc="$(cat "$OUT/$run.rc")" -v k="$k" -v req="$req" -v target="$target" -v gql="$gql" \
		-v nm="$(stat "$run" not_modified)" -v cost="$(stat "$run" primary_cost)" -v plan="$(changes "$run")" 'BEGIN {
		printf "| %s | %s | %d | %d | %s | %d | %d | %d | %d | %.4f | %s |\n", run, rc, k, req, target, req - gql, nm, gql, cost, cost / k, plan
	}'
done
echo "points/repo divides by k; work files: $OUT"
