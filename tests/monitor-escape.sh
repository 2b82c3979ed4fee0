#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Human output, live: argv and process names holding C0 and C1 control
# bytes (raw, and U+0080-U+009F in UTF-8) and backslashes come out as
# $'...' escapes; no control byte reaches the output.
. "$top_srcdir/tests/monitor-common.sh"
need_listen
need_python

start "$tmp/out" --events exec,comm --latency 0 --color=never
# The exec's argv and a rename through /proc/self/comm, with marker bytes.
# The exec waits (read) until its line is out, so its argv is read for sure.
"$PYTHON" - "$tmp/out" <<'PY'
import subprocess, sys, time
sh = subprocess.Popen([b"/bin/sh", b"-c", b"read x", b"esc-marker",
                       b"a\x9bb\xc2\x9bc\x1bd\\e\x7f", b"caf\xc3\xa9", b"back\\slash"],
                      stdin=subprocess.PIPE)
for _ in range(400):
    if b"esc-marker $'" in open(sys.argv[1], "rb").read():
        break
    time.sleep(0.05)
sh.communicate(b"\n")
subprocess.run(["/usr/bin/python3", "-c",
                "open('/proc/self/comm', 'wb').write(b'r\\x85\\\\n\\xc2\\x80')"], check=True)
for _ in range(400):
    if b"$'r\\x85" in open(sys.argv[1], "rb").read():
        break
    time.sleep(0.05)
PY
stop
sed 's/^/# /' "$tmp/out" | grep -a -e esc-marker -e ' comm ' | LC_ALL=C cat -v

ok "argv: C1 raw and in UTF-8, ESC, DEL and backslash escaped" \
	grep -aqF "/bin/sh -c 'read x' esc-marker \$'a\\x9bb\\xc2\\x9bc\\x1bd\\\\e\\x7f' 'caf$(printf '\303\251')' \$'back\\\\slash'" "$tmp/out"
ok "comm: the new name's C1 bytes and backslash escaped" \
	grep -aqF "python3 $(printf '\342\206\222') \$'r\\x85\\\\n\\xc2\\x80'" "$tmp/out"
clean() {
	"$PYTHON" - "$tmp/out" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
text = data.decode("utf-8")  # fails on bytes that are not UTF-8
bad = re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
print("# %d bytes, control characters: %r" % (len(data), bad[:5]))
sys.exit(1 if bad else 0)
PY
}
ok "the whole output is UTF-8 with no control character but newlines" clean

done_testing
