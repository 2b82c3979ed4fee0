#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# garlic-monitor --taskstats: exit lines carry what the process cost,
# in JSON and human output (taskstats needs CAP_NET_ADMIN).
. "$top_srcdir/tests/monitor-common.sh"
need_listen
need_live taskstats
need_python

start "$tmp/ts.json" --json --latency 0 --taskstats --events exit
sh -c 'head -c 1048576 /dev/zero > /dev/null; exit 3'
ok "the exit of head has its 1 MiB written and a max RSS" check wait "$tmp/ts.json" \
	"e['event_string'] == 'exit' and e.get('taskstats', {}).get('comm') == 'head' and e['taskstats']['write_chars'] >= 1048576 and e['taskstats']['hiwater_rss_kib'] > 0"
ok "the shell's exit 3 is there with its statistics" check wait "$tmp/ts.json" \
	"e['event_string'] == 'exit' and e['status'] == 'exit 3' and e.get('taskstats', {}).get('comm') == 'sh'"
ok "the monitor stops with status 0" stop
ok "the JSON is as documented" check schema "$tmp/ts.json"
ok "every taskstats object has the CPU times and I/O" check all "$tmp/ts.json" \
	"e['event_string'] != 'exit' or 'taskstats' not in e or all(k in e['taskstats'] for k in ('user_us', 'system_us', 'read_bytes', 'write_bytes', 'read_chars', 'write_chars'))"

start "$tmp/ts.human" --latency 0 --taskstats --events exit --color=never
sh -c 'exit 2'
ok "human exit lines show cpu, rss and io" \
	wait_grep "$tmp/ts.human" 'exit 2.*; cpu [0-9.]+ ms user [0-9.]+ ms sys, max rss [0-9]+ KiB, io '
ok "the monitor stops with status 0" stop
done_testing
