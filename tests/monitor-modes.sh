#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor's output mode is one choice (human, json, ecs, or the
# journal): contradicting options are one line naming both and exit 2,
# before anything is created; agreeing ones are accepted.
. "$top_srcdir/tests/monitor-common.sh"

# bad PATTERN ARGS...: exit 2, one line on stderr matching PATTERN,
# nothing on stdout.
bad() {
	bad_pattern=$1
	shift
	"$M" "$@" >"$tmp/out" 2>"$tmp/err"
	bad_rc=$?
	if [ "$bad_rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -s "$tmp/out" ] &&
		grep -Eq "^garlic-monitor: $bad_pattern" "$tmp/err"; then
		return 0
	fi
	diag "rc=$bad_rc: $(cat "$tmp/err")"
	return 1
}

ok "--format=xml" bad "invalid value 'xml' for --format" --format=xml
ok "--format without a value" bad ".*'--format' needs a value" --format
ok "--json and --format=ecs" bad "--json and --format=ecs ask for two output formats" \
	--json --format=ecs
ok "--format=ecs and --json" bad "--format=ecs and --json ask for two output formats" \
	--format=ecs --json
ok "--format=human and --format=json" \
	bad "--format=human and --format=json ask for two output formats" \
	--format=human --format=json
# Without libsystemd, --journal is refused at once, whatever follows it.
if "$M" --journal --bogus 2>&1 | grep -q 'not built in'; then
	diag "built without libsystemd: --journal is refused by itself"
else
	ok "--json and --journal" bad "--journal and --json contradict" --json --journal
	ok "--journal and --format=ecs" bad "--journal and --format=ecs contradict" \
		--journal --format=ecs
	ok "--journal and --format=human" bad "--journal and --format=human contradict" \
		--format=human --journal
	ok "--output and --journal" bad "--journal and --output contradict" \
		--output "$tmp/never" --journal
	ok "  ... and the file is not created" test ! -e "$tmp/never"
	ok "--quiet and --journal" bad "--journal and --quiet contradict" --quiet --journal
	ok "--color=always and --journal" bad "--color=always and --journal contradict" \
		--journal --color=always
fi
ok "--color=always and --json" bad "--color=always and --json contradict" \
	--color=always --json
ok "--color (always) and --format=ecs" bad "--color=always and --format=ecs contradict" \
	--format=ecs --color
ok "--color=always and --format=json" bad "--color=always and --format=json contradict" \
	--color=always --format=json
ok "--metrics-interval without --metrics-file" bad "--metrics-interval needs --metrics-file" \
	--metrics-interval 5
ok "--metrics-interval 0" bad "invalid value '0' for --metrics-interval" \
	--metrics-file "$tmp/m.prom" --metrics-interval 0
ok "--metrics-interval 1e9" bad "invalid value '1e9' for --metrics-interval" \
	--metrics-file "$tmp/m.prom" --metrics-interval 1e9
ok "--metrics-file ''" bad "invalid value '' for --metrics-file" --metrics-file ''
ok "--help names --format and its formats" sh -c "
	'$M' --help | grep -q -- '--format FORMAT' && '$M' --help | grep -q 'ecs'"

# Agreeing options: the monitor runs and writes the one format. Each run
# sees an exec of its own marker.
agrees() {
	agrees_name=$1
	agrees_check=$2
	shift 2
	start "$tmp/agree" --latency 0 "$@"
	/bin/echo "garlic-modes-$agrees_name" >/dev/null
	wait_grep "$tmp/agree" "garlic-modes-$agrees_name" ||
		{ stop; diag "no line for the marker: $(cat "$tmp/agree.err")"; return 1; }
	stop || { diag "exit status $stop_rc"; return 1; }
	[ ! -s "$tmp/agree.err" ] || { diag "stderr: $(cat "$tmp/agree.err")"; return 1; }
	line=$(grep "garlic-modes-$agrees_name" "$tmp/agree" | head -1)
	if [ "$agrees_check" = human ]; then
		printf '%s\n' "$line" | grep -Eq '^[0-9:.]+ +exec +[0-9]+ ' && return 0
	else
		printf '%s\n' "$line" | "$PYTHON" -c "
import json, sys
e = json.loads(sys.stdin.read())
sys.exit(0 if $agrees_check else 1)" && return 0
	fi
	diag "line: $line"
	return 1
}
if "$top_builddir/tests/env-check" connector >"$tmp/why"; then
	need_python
	ok "--json --format=json: garlic JSON" agrees json1 "e['event_string'] == 'exec'" \
		--json --format=json
	ok "--format=json alone: the same as --json" agrees json2 "e['event_string'] == 'exec'" \
		--format=json
	ok "--format=ecs --color=never: ECS" agrees ecs1 "e['event']['action'] == 'exec'" \
		--format=ecs --color=never
	ok "--color=auto --json: JSON, no colour" agrees json3 "e['event_string'] == 'exec'" \
		--color=auto --json
	ok "--format=human: a human line" agrees human1 human --format=human
else
	for what in "--json --format=json" "--format=json" "--format=ecs --color=never" \
		"--color=auto --json" "--format=human"; do
		skip "$what is accepted" "$(cat "$tmp/why")"
	done
fi

done_testing
