#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lost events are shown, never dropped silently: a monitor with a tiny
# receive buffer is stopped (SIGSTOP) while a burst of processes runs;
# after SIGCONT it must print a loss notice with a count, go on printing
# events, and count the losses in --stats.
. "$top_srcdir/tests/monitor-common.sh"
need_listen
need_python

# burst: 200 short processes, about 600 events; 4 KiB (8 KiB once the
# kernel doubles it) holds about ten.
burst() {
	for _ in $(seq 200); do /bin/true; done
}

start "$tmp/loss.json" --json --stats --latency 0 --rcvbuf 4096
kill -STOP "$mon"
burst
kill -CONT "$mon"
ok "JSON: a loss notice with a count, cause overrun" check wait-lost "$tmp/loss.json" \
	"e['lost'] > 0 and e['total_lost'] >= e['lost'] and e['cause'] == 'overrun'"
# A buffer of ten events overflows again whenever the machine is busy
# (other tests run alongside): one of ours must come through, not a given one.
events_go_on() {
	for _ in $(seq 40); do
		/bin/true &
		after=$!
		wait $after
		check wait "$tmp/loss.json" "e['event_string'] == 'exit' and d['process_pid'] == $after" 0.25 &&
			return 0
	done
	return 1
}
ok "JSON: events go on after the loss" events_go_on
ok "the monitor stops with status 0" stop
ok "JSON: every line, the notice too, is as documented" check schema "$tmp/loss.json"
ok "--stats counts the lost events" \
	grep -Eq '^garlic-monitor: [0-9]+ events in [0-9.]+ s \([0-9.]+/s\), [1-9][0-9]* lost' \
	"$tmp/loss.json.err"

start "$tmp/loss.txt" --latency 0 --rcvbuf 4096 --color=never
kill -STOP "$mon"
burst
kill -CONT "$mon"
ok "human: a visible notice with the count" \
	wait_grep "$tmp/loss.txt" '^-- lost [0-9]+ events \(receive buffer overflow\), [0-9]+ in all --$'
ok "the monitor stops with status 0" stop
done_testing
