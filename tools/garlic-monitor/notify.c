// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The service manager's notification protocol (sd_notify(3)): one
 * datagram of "KEY=value" lines to the unix socket in NOTIFY_SOCKET
 * ('@' for the abstract namespace). Written out here, not taken from
 * libsystemd, so that the unit's Type=notify works in every build.
 *
 * The watchdog is pinged from the event loop, at half the interval
 * systemd asked for: a monitor stuck anywhere stops pinging and is
 * restarted, which the journal and `systemctl status` show.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "notify.h"

static struct {
	int fd;
	struct sockaddr_un sa;
	socklen_t sa_len;
	uint64_t interval_ns;	/* between pings; 0: no watchdog */
	uint64_t next_ns;	/* when the next ping is due */
} notify = { .fd = -1 };

static void send_state(const char *state)
{
	if (notify.fd < 0)
		return;
	/* Nothing to do about a failure: systemd's timeouts will tell. */
	(void)!sendto(notify.fd, state, strlen(state), MSG_NOSIGNAL,
		      (struct sockaddr *)&notify.sa, notify.sa_len);
}

/* WATCHDOG_USEC, when it is meant for this process (WATCHDOG_PID). */
static uint64_t watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec)
		return 0;
	if (pid) {
		errno = 0;
		v = strtoull(pid, &end, 10);
		if (errno || *end || end == pid || v != (unsigned long long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || end == usec)
		return 0;
	return v;
}

void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	if (path && (path[0] == '/' || path[0] == '@') &&
	    (n = strlen(path)) < sizeof(notify.sa.sun_path)) {
		notify.sa.sun_family = AF_UNIX;
		memcpy(notify.sa.sun_path, path, n);
		if (path[0] == '@')
			notify.sa.sun_path[0] = '\0';
		notify.sa_len = offsetof(struct sockaddr_un, sun_path) + n;
		notify.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		notify.interval_ns = watchdog_usec() * 1000 / 2;
		if (notify.fd < 0)
			notify.interval_ns = 0;
		notify.next_ns = monotonic_ns();
	}
	/* They are ours: a command the monitor starts must not inherit them. */
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void notify_ready(void)
{
	send_state("READY=1\nSTATUS=Listening to process events");
}

void notify_stopping(void)
{
	send_state("STOPPING=1");
	if (notify.fd >= 0)
		close(notify.fd);
	notify.fd = -1;
	notify.interval_ns = 0;
}

int notify_timeout(int timeout)
{
	if (!notify.interval_ns)
		return timeout;
	return timeout_until(timeout, monotonic_ns(), notify.next_ns);
}

void notify_watchdog(void)
{
	uint64_t now;

	if (!notify.interval_ns)
		return;
	now = monotonic_ns();
	if (now < notify.next_ns)
		return;
	send_state("WATCHDOG=1");
	notify.next_ns = now + notify.interval_ns;
}
