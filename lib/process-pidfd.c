// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ids of a snapshot without /proc/PID/status: PIDFD_GET_INFO (Linux
 * 6.13) hands the credentials over as numbers. status formats some fifty
 * lines for the four ids we keep; on an exec storm, where every exec is
 * read at once, it was the largest single cost of a snapshot (perf: ~7 us
 * a read against ~3 us for pidfd_open, the ioctl and the close, 6.18).
 * Where the kernel lacks it, or the task is a thread, status is read.
 */
#include <errno.h>
#include <fcntl.h>
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

bool garlic_procfs_read_ids_pidfd(struct reader *r, pid_t pid)
{
	struct garlic_pidfd_info info = { .mask = GARLIC_PIDFD_INFO_CREDS };
	int support = __atomic_load_n(&pidfd_info_support, __ATOMIC_RELAXED);
	int fd, err;

	if (support == UNUSABLE)
		return false;
	if (support == UNKNOWN) {
		support = same_pid_namespace() ? USABLE : UNUSABLE;
		__atomic_store_n(&pidfd_info_support, support, __ATOMIC_RELAXED);
		if (support == UNUSABLE)
			return false;
	}
	/* A thread that is not its process's leader has no pidfd before 6.9. */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return false;
	err = ioctl(fd, GARLIC_PIDFD_GET_INFO, &info) < 0 ? errno : 0;
	close(fd);
	if (err == ENOTTY || err == EINVAL || err == EOPNOTSUPP) {
		/* Before 6.13: never again. */
		__atomic_store_n(&pidfd_info_support, UNUSABLE, __ATOMIC_RELAXED);
		return false;
	}
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
	P(r)->ruid = info.ruid;
	P(r)->euid = info.euid;
	P(r)->rgid = info.rgid;
	P(r)->egid = info.egid;
	P(r)->ids_state = GARLIC_PROCESS_OK;
	return true;
}
