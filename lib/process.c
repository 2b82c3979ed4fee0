// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Process snapshots from /proc. Every file of one snapshot is the same
 * task's, however soon its pid is reused. Where the kernel has
 * PIDFD_GET_INFO (6.13), a pidfd pins the task, files are opened by path
 * and a last PIDFD_GET_INFO proves them its own (process-pidfd.c): on an
 * exec storm that costs a fifth less than the directory (bench/RESULTS.md).
 * Elsewhere every file is read through one directory fd of /proc/PID: it
 * stays bound to the task it was opened for, so a task reaped meanwhile
 * makes each read fail with ESRCH instead of reading whatever process
 * got the pid next (measured on 6.18).
 *
 * Only the files of the fields asked for are read, except that a field
 * that fails, an empty cmdline, or a cwd read on its own needs to know
 * whether the task is a kernel thread or a zombie: then the exe link or
 * /proc/PID/stat is read as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "garlic-private.h"
#include "process-read.h"

static bool proc_mounted;

int garlic_process_open(pid_t pid)
{
	char path[32];
	struct statfs fs;
	int fd, err;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	/* O_PATH: a handle for openat() and readlinkat(), no access check. */
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (err != -ENOENT)
		return err;
	/*
	 * Gone, or no /proc at all? Asked once a process: a storm of
	 * short-lived execs meets a gone pid thousands of times a second.
	 */
	if (!__atomic_load_n(&proc_mounted, __ATOMIC_RELAXED)) {
		if (statfs("/proc", &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
			return -ENOENT;
		__atomic_store_n(&proc_mounted, true, __ATOMIC_RELAXED);
	}
	return -ESRCH;
}

/*
 * The fields of r's task. Pinned, the ids come last: the PIDFD_GET_INFO
 * that gives them proves every path opened before it.
 */
static int fill(struct reader *r, uint32_t fields, size_t argv_max)
{
	struct garlic_process_buf **bufp = r->bufp;
	uint32_t status_fields = fields & (GARLIC_PROCESS_IDS | GARLIC_PROCESS_NSPID);
	size_t argv_off = 0, exe_off = 0, cwd_off = 0, cgroup_off = 0;
	struct garlic_process *p;
	bool any_ok;
	int err;

	if (!argv_max || argv_max > GARLIC_PROCESS_ARGV_DEFAULT)
		argv_max = GARLIC_PROCESS_ARGV_DEFAULT;
	err = garlic_procfs_grow(bufp, 1);
	if (err < 0)
		return err;
	(*bufp)->used = 0;
	p = &(*bufp)->proc;
	memset(p, 0, sizeof(*p));
	p->pid = r->pid;
	p->fields = fields;
	p->argv_state = p->exe_state = p->cwd_state = p->ids_state = p->stat_state =
		p->cgroup_state = p->nspid_state = p->comm_state = GARLIC_PROCESS_NOT_ASKED;

	/* stat first: it tells a zombie or a kernel thread from a failure. */
	if (fields & GARLIC_PROCESS_STAT) {
		err = garlic_procfs_need_stat(r);
		p = &(*bufp)->proc;
		if (err == ENOMEM)
			return -ENOMEM;
		if (err) {
			p->stat_error = err;
			p->stat_state = err == ESRCH ? GARLIC_PROCESS_GONE
				      : err == EACCES || err == EPERM ? GARLIC_PROCESS_DENIED
				      : GARLIC_PROCESS_FAILED;
		} else {
			memcpy(p->comm, r->st.comm, sizeof(p->comm));
			p->state = r->st.state;
			p->ppid = r->st.ppid;
			p->start_ticks = r->st.start_ticks;
			p->start_boottime_ns = r->st.start_ticks *
				(uint64_t)(1000000000 / sysconf(_SC_CLK_TCK));
			p->stat_state = GARLIC_PROCESS_OK;
		}
	}
	/* Each step may move the block: p is taken again after it. */
	if (fields & GARLIC_PROCESS_ARGV)
		garlic_procfs_read_argv(r, argv_max, &argv_off);
	if (fields & GARLIC_PROCESS_EXE)
		garlic_procfs_read_exe(r, &exe_off);
	if (fields & GARLIC_PROCESS_CWD)
		garlic_procfs_read_cwd(r, &cwd_off);
	/*
	 * The name alone, after argv: an empty command line (a process
	 * exiting, half of a storm's) may have had stat read to say why,
	 * and stat has the name.
	 */
	if (fields & GARLIC_PROCESS_COMM) {
		p = &(*bufp)->proc;
		if (p->stat_state == GARLIC_PROCESS_OK) {
			p->comm_state = GARLIC_PROCESS_OK;
		} else if (r->st.tried && !r->st.error) {
			memcpy(p->comm, r->st.comm, sizeof(p->comm));
			p->comm_state = GARLIC_PROCESS_OK;
		} else {
			garlic_procfs_read_comm(r);
		}
	}
	if (fields & GARLIC_PROCESS_CGROUP)
		garlic_procfs_read_cgroup(r, &cgroup_off);
	/* status is read for NSpid anyway; the ids alone come cheaper. */
	if (status_fields == GARLIC_PROCESS_IDS &&
	    (r->pidfd >= 0 || garlic_procfs_read_ids_pidfd(r)))
		status_fields = 0;
	if (status_fields)
		garlic_procfs_read_status(r, status_fields);
	if (r->pidfd >= 0) {
		err = garlic_procfs_prove(r, status_fields == 0 && (fields & GARLIC_PROCESS_IDS));
		if (err == -ESRCH) {
			err = garlic_process_fill_failed(bufp, r->pid, fields, ESRCH);
			return err < 0 ? err : -ESRCH;
		}
		if (err < 0)
			return err;
	}

	p = &(*bufp)->proc;
	/* A failed allocation anywhere fails the whole snapshot. */
	if (r->st.error == ENOMEM || p->argv_error == ENOMEM || p->exe_error == ENOMEM || p->cwd_error == ENOMEM ||
	    p->ids_error == ENOMEM || p->cgroup_error == ENOMEM || p->nspid_error == ENOMEM ||
	    p->comm_error == ENOMEM)
		return -ENOMEM;
	if (p->argv_state == GARLIC_PROCESS_OK)
		p->argv = (*bufp)->data + argv_off;
	if (p->exe_state == GARLIC_PROCESS_OK)
		p->exe = (*bufp)->data + exe_off;
	if (p->cwd_state == GARLIC_PROCESS_OK)
		p->cwd = (*bufp)->data + cwd_off;
	if (p->cgroup_state == GARLIC_PROCESS_OK)
		p->cgroup = (*bufp)->data + cgroup_off;

	/* Reaped before anything could be read: as if it never existed. */
	any_ok = p->argv_state == GARLIC_PROCESS_OK || p->exe_state == GARLIC_PROCESS_OK ||
		 p->cwd_state == GARLIC_PROCESS_OK || p->ids_state == GARLIC_PROCESS_OK ||
		 p->stat_state == GARLIC_PROCESS_OK || p->cgroup_state == GARLIC_PROCESS_OK ||
		 p->nspid_state == GARLIC_PROCESS_OK || p->comm_state == GARLIC_PROCESS_OK;
	if (r->gone && !any_ok)
		return -ESRCH;
	return 0;
}

int garlic_process_fill_at(struct garlic_process_buf **bufp, int dirfd, pid_t pid,
			   uint32_t fields, size_t argv_max)
{
	struct reader r = { .bufp = bufp, .dirfd = dirfd, .pidfd = -1, .pid = pid };

	if (!bufp || pid <= 0 || dirfd < 0 || (fields & ~GARLIC_PROCESS_ALL))
		return -EINVAL;
	return fill(&r, fields, argv_max);
}

int garlic_process_fill_pinned(struct garlic_process_buf **bufp, int pidfd, pid_t pid,
			       uint32_t fields, size_t argv_max)
{
	struct reader r = { .bufp = bufp, .dirfd = AT_FDCWD, .pidfd = pidfd, .pid = pid };

	if (!bufp || pid <= 0 || pidfd < 0 || (fields & ~GARLIC_PROCESS_ALL))
		return -EINVAL;
	return fill(&r, fields, argv_max);
}

int garlic_process_fill(struct garlic_process_buf **bufp, pid_t pid, uint32_t fields,
			size_t argv_max)
{
	int fd, err;

	if (!bufp || pid <= 0 || (fields & ~GARLIC_PROCESS_ALL))
		return -EINVAL;
	fd = garlic_procfs_pin(pid);
	if (fd == -ESRCH)
		return -ESRCH;
	if (fd >= 0) {
		err = garlic_process_fill_pinned(bufp, fd, pid, fields, argv_max);
		close(fd);
		/* Not proved for another reason than a reap: the directory's way. */
		if (err == 0 || err == -ESRCH || err == -ENOMEM)
			return err;
	}
	fd = garlic_process_open(pid);
	if (fd < 0)
		return fd;
	err = garlic_process_fill_at(bufp, fd, pid, fields, argv_max);
	close(fd);
	return err;
}

int garlic_process_fill_failed(struct garlic_process_buf **bufp, pid_t pid, uint32_t fields,
			       int err)
{
	uint8_t state = err == ESRCH ? GARLIC_PROCESS_GONE : GARLIC_PROCESS_FAILED;
	struct garlic_process *p;
	int r = garlic_procfs_grow(bufp, 1);

	if (r < 0)
		return r;
	(*bufp)->used = 0;
	p = &(*bufp)->proc;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->fields = fields;
#define FAILED_FIELD(bit, member)                                             \
	do {                                                                  \
		p->member##_state = fields & (bit) ? state : GARLIC_PROCESS_NOT_ASKED; \
		p->member##_error = fields & (bit) ? err : 0;                 \
	} while (0)
	FAILED_FIELD(GARLIC_PROCESS_ARGV, argv);
	FAILED_FIELD(GARLIC_PROCESS_EXE, exe);
	FAILED_FIELD(GARLIC_PROCESS_CWD, cwd);
	FAILED_FIELD(GARLIC_PROCESS_IDS, ids);
	FAILED_FIELD(GARLIC_PROCESS_STAT, stat);
	FAILED_FIELD(GARLIC_PROCESS_CGROUP, cgroup);
	FAILED_FIELD(GARLIC_PROCESS_NSPID, nspid);
	FAILED_FIELD(GARLIC_PROCESS_COMM, comm);
#undef FAILED_FIELD
	return 0;
}

void garlic_process_buf_free(struct garlic_process_buf *buf)
{
	free(buf);
}

GARLIC_EXPORT int garlic_process_read(struct garlic_process **out, pid_t pid,
				      uint32_t fields, size_t argv_max)
{
	struct garlic_process_buf *buf = NULL;
	int err;

	if (!out)
		return -EINVAL;
	err = garlic_process_fill(&buf, pid, fields, argv_max);
	if (err < 0) {
		free(buf);
		return err;
	}
	*out = &buf->proc;
	return 0;
}

GARLIC_EXPORT void garlic_process_free(struct garlic_process *p)
{
	/* proc is the first member: p is the block. */
	free(p);
}
