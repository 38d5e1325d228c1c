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

for tool in go curl awk; do
	command -v "$tool" >/dev/null || { echo "bench/pr.sh: $tool is needed" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT"
SIM_PIDS=()
cleanup() {
	for pid in "${SIM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

echo "building permsync and ghsim" >&2
(cd "$ROOT" && go build -o "$OUT/permsync" ./cmd/permsync && go build -o "$OUT/ghsim" ./cmd/ghsim)

GEN=(-org acme -repos "$N" -collaborators 30 -team-grants 3 -teams "$TEAMS" -protection -rulesets -seed "$SEED")

# start_sim NAME FLAGS…: start a simulator, wait for its JSON line, and set
# SIM_URL, SIM_APP, SIM_KEY.
start_sim() {
	local name=$1
	shift
	"$OUT/ghsim" "${GEN[@]}" -key-out "$OUT/$name.pem" "$@" >"$OUT/$name.json" 2>"$OUT/$name.log" &
	SIM_PIDS+=($!)
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$OUT/$name.json" ] && break
		sleep 0.1
	done
	[ -s "$OUT/$name.json" ] || { echo "bench/pr.sh: ghsim did not start:" >&2; cat "$OUT/$name.log" >&2; exit 1; }
	SIM_URL=$(grep -o '"rest_url":"[^"]*"' "$OUT/$name.json" | cut -d'"' -f4)
	SIM_APP=$(grep -o '"app_id":[0-9]*' "$OUT/$name.json" | cut -d: -f2)
	SIM_KEY=$OUT/$name.pem
}

ps_run() {
	env -u PERMSYNC_APP_PRIVATE_KEY -u PERMSYNC_INSTALLATION_ID -u GITHUB_TOKEN \
		PERMSYNC_APP_ID="$SIM_APP" PERMSYNC_APP_PRIVATE_KEY_FILE="$SIM_KEY" GITHUB_API_URL="$SIM_URL" \
		"$@"
}

# 2. The permission files, from a simulator that is not measured.
echo "generating a $N-repository org ($TEAMS teams) and importing its files" >&2
start_sim import
ps_run "$OUT/permsync" import --org acme --dir "$OUT/perms" --cache-dir "$OUT/cache-import" >"$OUT/import.out" 2>&1
cleanup
SIM_PIDS=()

# 3. The pull request: five repositories spread over the org.
PR=()
for i in 1 2 3 4 5; do
	PR+=("$(printf 'repo-%04d' $(((i - 1) * N / 5 + 1)))")
done
for r in "${PR[@]}"; do
	f=$OUT/perms/acme/$r.yaml
	login=""
	for i in $(seq -f "member%03g" 1 60); do
		if ! grep -qw "$i" "$f"; then
			login=$i
			break
		fi
	done
	awk -v login="$login" '
		/^triage: *\{\} *$/ { print "triage:"; print "  users: [" login "]"; done = 1; next }
		/^triage:/ { print; intri = 1; next }
		intri && /^  users: \[/ { sub(/\[/, "[" login ", "); print; intri = 0; done = 1; next }
		intri { print "  users: [" login "]"; intri = 0; done = 1 }
		/^    required_approving_review_count: / { print "    required_approving_review_count: " ($2 + 1); next }
		{ print }
		END { if (!done) { print "triage:"; print "  users: [" login "]" } }
	' "$f" >"$f.tmp"
	mv "$f.tmp" "$f"
done

# 4. The measured simulator.
start_sim measured -latency "$LATENCY"
STATS=${SIM_URL%/api/v3/}/_ghsim/stats

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
stat() { grep -o "\"$2\":[0-9]*" "$OUT/$1.stats" | head -n 1 | cut -d: -f2; }
changes() { grep -oE '^Plan: [^.]*|^No changes' "$OUT/$1.out" | head -n 1; }

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
