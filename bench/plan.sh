#!/usr/bin/env bash
# bench/plan.sh N — the cost of permsync plan on a simulated org of N
# repositories (issue 7's targets), end to end: the real binary against the
# simulated GitHub (cmd/ghsim) over loopback, with 50 ms latency on every
# request and GitHub's documented secondary limits enforced.
#
#   bench/plan.sh 1000
#
# It needs Go, bash, curl (loopback only) and GNU time (/usr/bin/time;
# Debian/Ubuntu: apt-get install time). No credentials, no network.
#
# Steps:
#   1. build permsync and ghsim;
#   2. generate the org (N repositories, 30 direct collaborators, 3 team
#      grants and protection on each) in a first simulator without latency,
#      and write its permission files with permsync import (its own cache
#      directory, so nothing warms the measured runs); the generator is
#      deterministic, so a second simulator started with the same seed holds
#      the same org;
#   3. edit every 10th file (one more required review, one more member with
#      triage), so that the plan is not empty;
#   4. start the measured simulator (-latency 50ms -enforce-secondary-limits);
#   5. plan the edited files cold (new cache directory), then warm (same
#      cache directory, a new process and so a new installation token) right
#      after; wait for GitHub's minute to pass; plan the unedited files cold
#      and warm (the empty plan); plan one repository (--repo) warm;
#   6. print a table. Each run is measured with /usr/bin/time -v, and the
#      simulator's counters (GET /_ghsim/stats) are reset before it.
#
# Environment: LATENCY (default 50ms), OUT (work directory, default
# bench/out/N; it is replaced), SEED (default 1).
set -euo pipefail

N=${1:-}
if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: bench/plan.sh N   (N repositories, e.g. 100, 300 or 1000)" >&2
	exit 2
fi
LATENCY=${LATENCY:-50ms}
SEED=${SEED:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/bench/out/$N}

TIME=/usr/bin/time
if ! "$TIME" -v true >/dev/null 2>&1; then
	echo "bench/plan.sh: GNU time is needed at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
	exit 1
fi
GEN=(-org acme -repos "$N" -collaborators 30 -team-grants 3 -teams 12 -protection -rulesets -seed "$SEED")
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup

# 2. The permission files, from a simulator that is not measured.
echo "generating a $N-repository org and importing its files" >&2
import_files "$OUT/perms-empty"

# 3. Edits: every 10th repository asks for one more review and gives a
# member who has no direct grant there triage.
cp -r "$OUT/perms-empty" "$OUT/perms-edited"
edited=0
for f in "$OUT"/perms-edited/acme/repo-*0.yaml; do
	edit_file "$f" || continue
	edited=$((edited + 1))
done
echo "edited $edited of $N files" >&2

# 4. The measured simulator.
start_sim measured -latency "$LATENCY" -enforce-secondary-limits

# measure NAME ARGS…: reset the counters, run permsync under /usr/bin/time
# and keep its output, its time and the simulator's counters.
measure() {
	local name=$1
	shift
	curl -fsS -X POST "$STATS/reset" >/dev/null
	local rc=0
	ps_run "$TIME" -v -o "$OUT/$name.time" "$OUT/permsync" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
	curl -fsS "$STATS" >"$OUT/$name.stats"
	echo "$rc" >"$OUT/$name.rc"
	echo "  $name: exit $rc, $(tail -n 1 "$OUT/$name.out")" >&2
}

# 5. The runs (and an apply).
echo "planning (latency $LATENCY, secondary limits enforced)" >&2
measure cold-edited plan --dir "$OUT/perms-edited" --cache-dir "$OUT/cache-edited"
measure warm-edited plan --dir "$OUT/perms-edited" --cache-dir "$OUT/cache-edited"
echo "  waiting 61 s: the next cold run starts on a minute GitHub has forgotten" >&2
sleep 61
measure cold-empty plan --dir "$OUT/perms-empty" --cache-dir "$OUT/cache-empty"
measure warm-empty plan --dir "$OUT/perms-empty" --cache-dir "$OUT/cache-empty"
measure repo-warm plan --dir "$OUT/perms-empty" --cache-dir "$OUT/cache-empty" --repo repo-0001
# apply: the first 15 edited repositories (two changes each), writes one
# at a time with the default 1 s interval.
apply_repos=()
for f in "$OUT"/perms-edited/acme/repo-*0.yaml; do
	[ "${#apply_repos[@]}" -lt 30 ] || break # 15 × (--repo NAME)
	apply_repos+=(--repo "$(basename "$f" .yaml)")
done
measure apply apply --yes --dir "$OUT/perms-edited" --cache-dir "$OUT/cache-edited" "${apply_repos[@]}"

# Installation tokens are never stored: look for any the simulator minted
# (ghs_ prefix), the App key and an Authorization header in the caches.
secrets=$({ grep -rlE 'ghs_[A-Za-z0-9]{20,}|PRIVATE KEY|Authorization|eyJhbGciOi' "$OUT"/cache-edited "$OUT"/cache-empty || true; } | wc -l)

# 6. The table.
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$OUT/$1.time"; }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$OUT/$1.time"; }

printf '\npermsync plan, %s repositories (30 direct collaborators, 3 team grants, protection each), latency %s, secondary limits enforced\n\n' "$N" "$LATENCY"
printf '| run | exit | requests | req/repo | REST | 304 share | GraphQL queries | primary points | points/repo | secondary-limit answers | peak pts/min | max in flight | wall s | peak RSS MiB | plan |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for run in cold-edited warm-edited cold-empty warm-empty repo-warm; do
	req=$(stat "$run" requests)
	gql=$(($(stat "$run" graphql_queries) + $(stat "$run" graphql_mutations)))
	rest=$((req - gql))
	nm=$(stat "$run" not_modified)
	cost=$(stat "$run" primary_cost)
	awk -v run="$run" -v rc="$(cat "$OUT/$run.rc")" -v n="$N" -v req="$req" -v rest="$rest" -v nm="$nm" -v gql="$gql" -v cost="$cost" \
		-v sec="$(stat "$run" secondary_limited)" -v peak="$(stat "$run" peak_points_per_minute)" -v inflight="$(stat "$run" max_in_flight)" \
		-v wall="$(wall "$run")" -v rss="$(rss "$run")" -v plan="$(changes "$run")" 'BEGIN {
		share = rest > 0 ? 100 * nm / rest : 0
		printf "| %s | %s | %d | %.3f | %d | %.1f%% | %d | %d | %.3f | %d | %d | %d | %s | %s | %s |\n",
			run, rc, req, req / n, rest, share, gql, cost, cost / n, sec, peak, inflight, wall, rss, plan
	}'
done
rest_cold=$(($(stat cold-edited requests) - $(stat cold-edited graphql_queries)))
awk -v n="$N" -v rest="$rest_cold" -v wall="$(wall cold-edited)" 'BEGIN {
	floor = rest / 900 * 60
	printf "\nfloor for the cold run: %d REST requests / 900 a minute = %.1f s; wall time / floor = %.2f (target <= 1.2 when the floor passes a minute)\n", rest, floor, wall / floor
}'
writes=$({ grep -oE '"(PUT|PATCH|DELETE|POST) [^"]*":[0-9]+' "$OUT/apply.stats" || true; } | { grep -v -e graphql -e access_tokens || true; } | awk -F: '{ s += $NF } END { print s + 0 }')
awk -v repos="$((${#apply_repos[@]} / 2))" -v done="$(grep -c '^✓ done' "$OUT/apply.out" || true)" -v writes="$writes" \
	-v wall="$(wall apply)" -v sec="$(stat apply secondary_limited)" -v rc="$(cat "$OUT/apply.rc")" 'BEGIN {
	printf "apply (%d repositories, default --write-interval 1s): exit %s, %d changes done, %d writes, %s s wall, %d secondary-limit answers\n", repos, rc, done, writes, wall, sec
}'
echo "cache files holding a token, the key or an Authorization header: $secrets"
echo "req/repo and points/repo divide by $N for every run, --repo included; work files: $OUT"
