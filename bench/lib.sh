# shellcheck shell=bash
# bench/lib.sh — what bench/plan.sh and bench/pr.sh share: the work
# directory, the binaries, the simulators and the permission files. Sourced
# with N, SEED, ROOT, OUT and GEN (ghsim's generator flags) set.

BENCH=$(basename "$0")

# bench_setup: check the tools, make a new work directory and build permsync
# and ghsim into it. Simulators started later stop on exit.
bench_setup() {
	local tool
	for tool in go curl awk; do
		command -v "$tool" >/dev/null || { echo "bench/$BENCH: $tool is needed" >&2; exit 1; }
	done
	rm -rf "$OUT"
	mkdir -p "$OUT"
	SIM_PIDS=()
	trap stop_sims EXIT
	echo "building permsync and ghsim" >&2
	(cd "$ROOT" && go build -o "$OUT/permsync" ./cmd/permsync && go build -o "$OUT/ghsim" ./cmd/ghsim)
}

stop_sims() {
	local pid
	for pid in "${SIM_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SIM_PIDS=()
}

# start_sim NAME FLAGS…: start a simulator of the generated org, wait for its
# JSON line, and set SIM_URL, SIM_APP, SIM_KEY and STATS.
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
	[ -s "$OUT/$name.json" ] || { echo "bench/$BENCH: ghsim did not start:" >&2; cat "$OUT/$name.log" >&2; exit 1; }
	SIM_URL=$(grep -o '"rest_url":"[^"]*"' "$OUT/$name.json" | cut -d'"' -f4)
	SIM_APP=$(grep -o '"app_id":[0-9]*' "$OUT/$name.json" | cut -d: -f2)
	SIM_KEY=$OUT/$name.pem
	# shellcheck disable=SC2034 # the counters, read by the scripts that source this
	STATS=${SIM_URL%/api/v3/}/_ghsim/stats
}

# ps_run COMMAND…: run a command with the simulator's App in the environment.
ps_run() {
	env -u PERMSYNC_APP_PRIVATE_KEY -u PERMSYNC_INSTALLATION_ID -u GITHUB_TOKEN \
		PERMSYNC_APP_ID="$SIM_APP" PERMSYNC_APP_PRIVATE_KEY_FILE="$SIM_KEY" GITHUB_API_URL="$SIM_URL" \
		"$@"
}

# import_files DIR: the org's permission files, written by permsync import
# from a simulator that is not measured (its own cache, so nothing warms the
# measured runs). The generator is deterministic: a simulator started later
# with the same seed holds the same org.
import_files() {
	start_sim import
	ps_run "$OUT/permsync" import --org acme --dir "$1" --cache-dir "$OUT/cache-import" >"$OUT/import.out" 2>&1
	stop_sims
}

# edit_file FILE: one more required review, and triage for a member who has
# no direct grant there. Fails when every member already has one.
edit_file() {
	local f=$1 login="" i
	for i in $(seq -f "member%03g" 1 60); do
		if ! grep -qw "$i" "$f"; then
			login=$i
			break
		fi
	done
	[ -n "$login" ] || return 1
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
}

# stat RUN FIELD: a counter of the simulator's, kept after RUN.
stat() { grep -o "\"$2\":[0-9]*" "$OUT/$1.stats" | head -n 1 | cut -d: -f2; }
# changes RUN: the plan's summary line.
changes() { grep -oE '^Plan: [^.]*|^No changes' "$OUT/$1.out" | head -n 1; }
