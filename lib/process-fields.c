// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading /proc/PID for a snapshot: files and links read through the
 * task's directory fd into the snapshot's block, what a failed read says
 * about the task, and the fields that are links or raw bytes (argv, exe,
 * cwd). The text files parsed field by field are in process-parse.c.
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

int garlic_procfs_grow(struct garlic_process_buf **bufp, size_t want)
{
	struct garlic_process_buf *b = *bufp, *n;
	size_t cap = b ? b->cap : 0;

	if (want <= cap)
		return 0;
	if (cap < BLOCK_INITIAL - sizeof(*b))
		cap = BLOCK_INITIAL - sizeof(*b);
	while (cap < want) {
		if (cap > SIZE_MAX / 2 - sizeof(*b))
			return -ENOMEM;
		cap *= 2;
	}
	n = realloc(b, sizeof(*n) + cap);
	if (!n)
		return -ENOMEM;
	if (!b) {
		memset(n, 0, sizeof(*n));
	}
	n->cap = cap;
	*bufp = n;
	return 0;
}

const char *garlic_procfs_path(const struct reader *r, const char *name, char *buf, size_t size)
{
	if (r->pidfd < 0)
		return name;
	snprintf(buf, size, "/proc/%d/%s", (int)r->pid, name);
	return buf;
}

/*
 * Reads the file name (relative to dirfd; pinned, /proc/PID/name) into
 * the free space after used, at most limit bytes, NUL-terminated there;
 * nothing is committed. Returns the byte count, or -errno (of the open or
 * a read).
 */
ssize_t garlic_procfs_read_file(struct reader *r, const char *name, size_t limit)
{
	char path[PROC_PATH_MAX];
	size_t len = 0;
	int fd, err;

	fd = openat(r->dirfd, garlic_procfs_path(r, name, path, sizeof(path)),
		    O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct garlic_process_buf *b = *r->bufp;
		size_t room = b->cap - b->used - len;
		ssize_t n;

		if (len >= limit)
			break;
		if (room <= 1) {
			err = garlic_procfs_grow(r->bufp, b->cap + 1);
			if (err < 0)
				goto fail;
			continue;
		}
		room -= 1; /* the NUL */
		if (room > limit - len)
			room = limit - len;
		n = read(fd, b->data + b->used + len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/*
		 * /proc's text files (seq_file) and cmdline fill a read as far
		 * as they have data: a short one was the end, and the read
		 * that would say so is saved.
		 */
		if ((size_t)n < room)
			break;
	}
	close(fd);
	(*r->bufp)->data[(*r->bufp)->used + len] = '\0';
	return (ssize_t)len;
fail:
	close(fd);
	return err;
}

/* readlinkat() into the free space, NUL-terminated; -errno or the length. */
static ssize_t read_link(struct reader *r, const char *name)
{
	char path[PROC_PATH_MAX];

	name = garlic_procfs_path(r, name, path, sizeof(path));
	for (;;) {
		struct garlic_process_buf *b = *r->bufp;
		size_t room = b->cap - b->used;
		ssize_t n;
		int err;

		if (room >= 2) {
			n = readlinkat(r->dirfd, name, b->data + b->used, room - 1);
			if (n < 0)
				return -errno;
			if ((size_t)n < room - 1) {
				b->data[b->used + (size_t)n] = '\0';
				return n;
			}
			/* May be cut: try again with more room. */
			if (room > LINK_MAX_BYTES)
				return -ENAMETOOLONG;
		}
		err = garlic_procfs_grow(r->bufp, b->cap * 2);
		if (err < 0)
			return err;
	}
}

/* Keeps len bytes (and their NUL) read into the free space; their offset. */
size_t garlic_procfs_commit(struct reader *r, size_t len)
{
	size_t at = (*r->bufp)->used;

	(*r->bufp)->used += len + 1;
	return at;
}

/* stat, read already, says the process has exited (a kernel thread never has). */
static bool stat_says_exited(const struct reader *r)
{
	return r->st.tried && !r->st.error && !(r->st.flags & TASK_FLAG_KTHREAD) &&
	       (r->st.state == 'Z' || r->st.state == 'X');
}

/* The state of a field whose read failed with err (positive). */
uint8_t garlic_procfs_state_of(struct reader *r, int err)
{
	switch (err) {
	case ESRCH:
		r->gone = true;
		return GARLIC_PROCESS_GONE;
	case EACCES:
	case EPERM:
		/*
		 * The ptrace check comes first, even for a kernel thread or a
		 * zombie, which would have nothing to show: say that instead.
		 */
		if (garlic_procfs_need_stat(r))
			return r->gone ? GARLIC_PROCESS_GONE : GARLIC_PROCESS_DENIED;
		if (r->st.flags & TASK_FLAG_KTHREAD)
			return GARLIC_PROCESS_KERNEL_THREAD;
		if (stat_says_exited(r))
			return GARLIC_PROCESS_ZOMBIE;
		return GARLIC_PROCESS_DENIED;
	case ENOENT:
		break;
	default:
		return GARLIC_PROCESS_FAILED;
	}
	/* exe and cwd links are ENOENT without an mm or fs: say why. */
	if (garlic_procfs_need_stat(r))
		return r->gone ? GARLIC_PROCESS_GONE : GARLIC_PROCESS_FAILED;
	if (r->st.flags & TASK_FLAG_KTHREAD)
		return GARLIC_PROCESS_KERNEL_THREAD;
	/* Z, X, or still running its exit after it let go of mm and fs. */
	return GARLIC_PROCESS_ZOMBIE;
}

/*
 * Kernel threads: what the kernel says for them is not theirs. A
 * readable exe rules one out at half the cost of reading stat (the
 * kernel never gives a kernel thread's, even one borrowing an mm).
 */
static bool is_kthread(struct reader *r)
{
	if (r->not_kthread)
		return false;
	if (!r->st.tried && read_link(r, "exe") >= 0) {
		r->not_kthread = true;
		return false;
	}
	return garlic_procfs_need_stat(r) == 0 && (r->st.flags & TASK_FLAG_KTHREAD);
}

void garlic_procfs_read_argv(struct reader *r, size_t argv_max,
		      size_t *off)
{
	ssize_t n;
	const char *s;
	uint8_t state;
	size_t len;

	/*
	 * An exited process is told before its cmdline is opened: by stat
	 * when it was read already (STAT asked), or pinned by a poll of the
	 * pidfd. On a storm of short execs most are, and the open (the
	 * pid's directory made anew in the dcache) was the largest cost of
	 * their snapshots.
	 */
	if (stat_says_exited(r) || garlic_procfs_exited(r)) {
		P(r)->argv_state = GARLIC_PROCESS_ZOMBIE;
		return;
	}
	n = garlic_procfs_read_file(r, "cmdline", argv_max + 1);
	if (n < 0) {
		P(r)->argv_error = (int)-n;
		state = garlic_procfs_state_of(r, (int)-n);
		P(r)->argv_state = state;
		return;
	}
	len = (size_t)n;
	if (len == 0) {
		/*
		 * No mm: a kernel thread, or a process past exit_mm(). A
		 * live process may also have emptied its cmdline itself
		 * (prctl(PR_SET_MM)): its exe is still there. stat tells
		 * the first two at once: read first, not after the exe link,
		 * as most empty command lines are of processes already
		 * exiting (every other exec of a storm of short ones).
		 * (Pinned, an exited one was told above without reading.)
		 */
		if (garlic_procfs_need_stat(r) == 0 && (r->st.flags & TASK_FLAG_KTHREAD)) {
			P(r)->argv_state = GARLIC_PROCESS_KERNEL_THREAD;
			return;
		}
		if (r->gone) {
			P(r)->argv_state = GARLIC_PROCESS_GONE;
			return;
		}
		if (stat_says_exited(r)) {
			P(r)->argv_state = GARLIC_PROCESS_ZOMBIE;
			return;
		}
		n = read_link(r, "exe");
		if (n == -ENOENT || n == -ESRCH || n == -ENOMEM) {
			state = garlic_procfs_state_of(r, (int)-n);
			P(r)->argv_state = state;
			P(r)->argv_error = n == -ENOENT ? 0 : (int)-n;
			return;
		}
		/* exe is there (or hidden from us): a live, emptied cmdline. */
		(*r->bufp)->data[(*r->bufp)->used] = '\0';
	} else {
		/* Only a task with an mm has a cmdline. */
		r->not_kthread = true;
	}
	if (len > argv_max) {
		P(r)->argv_truncated = true;
		len = argv_max;
		(*r->bufp)->data[(*r->bufp)->used + len] = '\0';
	}
	s = (*r->bufp)->data + (*r->bufp)->used;
	P(r)->argc = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			P(r)->argc++;
	if (len && s[len - 1] != '\0')
		P(r)->argc++; /* cut, or setproctitle() overwrote the last NUL */
	P(r)->argv_len = len;
	*off = garlic_procfs_commit(r, len);
	P(r)->argv_state = GARLIC_PROCESS_OK;
}

void garlic_procfs_read_exe(struct reader *r, size_t *off)
{
	ssize_t n = read_link(r, "exe");
	uint8_t state;

	if (n < 0) {
		P(r)->exe_error = (int)-n;
		state = garlic_procfs_state_of(r, (int)-n);
		P(r)->exe_state = state;
		if (P(r)->exe_state == GARLIC_PROCESS_KERNEL_THREAD ||
		    P(r)->exe_state == GARLIC_PROCESS_ZOMBIE)
			P(r)->exe_error = 0;
		return;
	}
	r->not_kthread = true; /* the kernel never gives a kernel thread's */
	*off = garlic_procfs_commit(r, (size_t)n);
	P(r)->exe_state = GARLIC_PROCESS_OK;
}

void garlic_procfs_read_cwd(struct reader *r, size_t *off)
{
	ssize_t n = read_link(r, "cwd");
	uint8_t state;

	if (n < 0) {
		P(r)->cwd_error = (int)-n;
		state = garlic_procfs_state_of(r, (int)-n);
		P(r)->cwd_state = state;
		if (P(r)->cwd_state == GARLIC_PROCESS_KERNEL_THREAD ||
		    P(r)->cwd_state == GARLIC_PROCESS_ZOMBIE)
			P(r)->cwd_error = 0;
		return;
	}
	*off = garlic_procfs_commit(r, (size_t)n);
	/* A kernel thread shows init's root ("/"): not a directory of its own. */
	if (is_kthread(r)) {
		(*r->bufp)->used = *off;
		P(r)->cwd_state = GARLIC_PROCESS_KERNEL_THREAD;
		return;
	}
	P(r)->cwd_state = GARLIC_PROCESS_OK;
}

