// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ids of a snapshot without /proc/PID/status: PIDFD_GET_INFO (Linux
 * 6.13) hands the credentials over as numbers. status formats some fifty
 * lines for the four ids we keep; on an exec storm, where every exec is
 * read at once, it was the largest single cost of a snapshot (perf: ~7 us
 * a read against ~3 us for pidfd_open, the ioctl and the close, 6.18).
 * Where the kernel lacks it, or the task is a thread, status is read.
 *
 * The same pidfd pins a snapshot read by path (process.c): no directory
 * fd to open and close per snapshot, and an exited task told by a poll
 * instead of by reading stat.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/types.h>

#include "garlic-private.h"
#include "process-read.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* include/uapi/linux/pidfd.h (6.13); Debian 12's headers predate it. */
struct garlic_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	__u32 spare0[1];
};
#define GARLIC_PIDFD_INFO_CREDS (1ULL << 1)
#define GARLIC_PIDFD_GET_INFO _IOWR(0xFF, 11, struct garlic_pidfd_info)

enum { UNKNOWN, USABLE, UNUSABLE };
static int pidfd_info_support = UNKNOWN;

/*
 * pidfd_open() takes a pid of the caller's namespace, the snapshot's
 * directory one of /proc's: only where they are the same namespace may
 * the one stand for the other.
 */
static bool same_pid_namespace(void)
{
	char link[32];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);

	if (n <= 0)
		return false;
	link[n] = '\0';
	return strtol(link, NULL, 10) == (long)getpid();
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* PIDFD_GET_INFO, and a /proc of our pid namespace: asked once a process. */
static bool pidfd_info_usable(void)
{
	int support = __atomic_load_n(&pidfd_info_support, __ATOMIC_RELAXED);

	if (support == UNKNOWN) {
		struct garlic_pidfd_info info = { .mask = GARLIC_PIDFD_INFO_CREDS };
		int fd = same_pid_namespace() ? pidfd_open(getpid()) : -1;

		support = fd >= 0 && ioctl(fd, GARLIC_PIDFD_GET_INFO, &info) == 0 ? USABLE
										 : UNUSABLE;
		if (fd >= 0)
			close(fd);
		__atomic_store_n(&pidfd_info_support, support, __ATOMIC_RELAXED);
	}
	return support == USABLE;
}

/* The snapshot's ids, as PIDFD_GET_INFO handed them over. */
static void keep_ids(struct reader *r, const struct garlic_pidfd_info *info)
{
	P(r)->ruid = info->ruid;
	P(r)->euid = info->euid;
	P(r)->rgid = info->rgid;
	P(r)->egid = info->egid;
	P(r)->ids_state = GARLIC_PROCESS_OK;
}

int garlic_procfs_pin(pid_t pid)
{
	int fd;

	if (!pidfd_info_usable())
		return -EOPNOTSUPP;
	fd = pidfd_open(pid);
	if (fd >= 0)
		return fd;
	/* A thread that is not its process's leader has none: EINVAL. */
	return errno == ESRCH ? -ESRCH : -EOPNOTSUPP;
}

/*
 * The pidfd names one task however the pid is reused; a path names
 * whichever task holds the pid when it is opened. While the pinned task
 * is not reaped the pid is its own, and PIDFD_GET_INFO fails once it is:
 * asked after the last open, its success proves every path opened since
 * the pin was the pinned task's. Files opened then and read after a reap
 * fail with ESRCH on their own.
 */
int garlic_procfs_prove(struct reader *r, bool ids)
{
	struct garlic_pidfd_info info = { .mask = GARLIC_PIDFD_INFO_CREDS };

	if (ioctl(r->pidfd, GARLIC_PIDFD_GET_INFO, &info) < 0)
		return -errno;
	if (ids)
		keep_ids(r, &info);
	return 0;
}

bool garlic_procfs_exited(const struct reader *r)
{
	struct pollfd p = { .fd = r->pidfd, .events = POLLIN };

	/* Readable once the whole process has exited: a zombie, or reaped. */
	return r->pidfd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

bool garlic_procfs_read_ids_pidfd(struct reader *r)
{
	struct garlic_pidfd_info info = { .mask = GARLIC_PIDFD_INFO_CREDS };
	int fd, err;

	if (!pidfd_info_usable())
		return false;
	/* A thread that is not its process's leader has no pidfd. */
	fd = pidfd_open(r->pid);
	if (fd < 0)
		return false;
	err = ioctl(fd, GARLIC_PIDFD_GET_INFO, &info) < 0 ? errno : 0;
	close(fd);
	/*
	 * The pidfd was opened by number, after the directory: were the
	 * directory's task reaped in between, the number may name another
	 * process. A lookup through the directory fails once its task is
	 * reaped, so one now proves the ids are its own.
	 */
	if (!err && faccessat(r->dirfd, "stat", F_OK, 0) < 0)
		err = ESRCH;
	if (err) {
		if (err == ESRCH)
			r->gone = true;
		P(r)->ids_error = err;
		P(r)->ids_state = garlic_procfs_state_of(r, err);
		return true;
	}
	keep_ids(r, &info);
	return true;
}
