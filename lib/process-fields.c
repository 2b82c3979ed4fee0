// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The files of /proc/PID behind each snapshot field, read through the
 * task's directory fd and parsed into the snapshot's block.
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

/*
 * Reads the file name (relative to dirfd) into the free space after
 * used, at most limit bytes, NUL-terminated there; nothing is committed.
 * Returns the byte count, or -errno (of the open or a read).
 */
static ssize_t read_file(struct reader *r, const char *name, size_t limit)
{
	size_t len = 0;
	int fd, err;

	fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
static size_t commit(struct reader *r, size_t len)
{
	size_t at = (*r->bufp)->used;

	(*r->bufp)->used += len + 1;
	return at;
}

static bool parse_u64(const char **s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(*s, &end, 10);
	if (end == *s || errno)
		return false;
	*v = x;
	*s = end;
	return true;
}

/*
 * stat: "pid (comm) state ppid pgrp session tty tpgid flags ... starttime
 * ...". comm may hold spaces and ')' itself, so it ends at the last ')'.
 */
static bool parse_stat(const char *s, size_t len, struct stat_info *st)
{
	const char *open = memchr(s, '(', len), *close = NULL, *p;
	uint64_t v = 0;
	size_t n;

	for (p = s + len; p > s; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!open || !close || close < open || close + 3 > s + len)
		return false;
	n = (size_t)(close - open - 1);
	if (n > sizeof(st->comm) - 1)
		n = sizeof(st->comm) - 1;
	memset(st->comm, 0, sizeof(st->comm));
	memcpy(st->comm, open + 1, n);
	p = close + 2;
	st->state = *p++;
	/* Fields 4 (ppid) to 22 (starttime); 9 is flags. */
	for (int field = 4; field <= 22; field++) {
		if (*p != ' ')
			return false;
		p++;
		/* tty_nr and tpgid may be negative; nothing kept is. */
		if (*p == '-')
			p++;
		if (!parse_u64(&p, &v))
			return false;
		if (field == 4)
			st->ppid = (pid_t)v;
		else if (field == 9)
			st->flags = (uint32_t)v;
	}
	st->start_ticks = v;
	return true;
}

/* Reads stat into r->st once; its error (positive) or 0. */
int garlic_procfs_need_stat(struct reader *r)
{
	ssize_t n;

	if (r->st.tried)
		return r->st.error;
	r->st.tried = true;
	n = read_file(r, "stat", SIZE_MAX);
	if (n >= 0 && !parse_stat((*r->bufp)->data + (*r->bufp)->used, (size_t)n, &r->st))
		n = -EBADMSG;
	r->st.error = n < 0 ? (int)-n : 0;
	if (r->st.error == ESRCH)
		r->gone = true;
	return r->st.error;
}

/* The state of a field whose read failed with err (positive). */
static uint8_t state_of(struct reader *r, int err)
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
		if (r->st.state == 'Z' || r->st.state == 'X')
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
	ssize_t n = read_file(r, "cmdline", argv_max + 1);
	const char *s;
	uint8_t state;
	size_t len;

	if (n < 0) {
		P(r)->argv_error = (int)-n;
		state = state_of(r, (int)-n);
		P(r)->argv_state = state;
		return;
	}
	len = (size_t)n;
	if (len == 0) {
		/*
		 * No mm: a kernel thread, or a process past exit_mm(). A
		 * live process may also have emptied its cmdline itself
		 * (prctl(PR_SET_MM)): its exe is still there.
		 */
		if (is_kthread(r)) {
			P(r)->argv_state = GARLIC_PROCESS_KERNEL_THREAD;
			return;
		}
		if (r->gone) {
			P(r)->argv_state = GARLIC_PROCESS_GONE;
			return;
		}
		if (r->st.tried && !r->st.error && (r->st.state == 'Z' || r->st.state == 'X')) {
			P(r)->argv_state = GARLIC_PROCESS_ZOMBIE;
			return;
		}
		n = read_link(r, "exe");
		if (n == -ENOENT || n == -ESRCH || n == -ENOMEM) {
			state = state_of(r, (int)-n);
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
	*off = commit(r, len);
	P(r)->argv_state = GARLIC_PROCESS_OK;
}

void garlic_procfs_read_exe(struct reader *r, size_t *off)
{
	ssize_t n = read_link(r, "exe");
	uint8_t state;

	if (n < 0) {
		P(r)->exe_error = (int)-n;
		state = state_of(r, (int)-n);
		P(r)->exe_state = state;
		if (P(r)->exe_state == GARLIC_PROCESS_KERNEL_THREAD ||
		    P(r)->exe_state == GARLIC_PROCESS_ZOMBIE)
			P(r)->exe_error = 0;
		return;
	}
	r->not_kthread = true; /* the kernel never gives a kernel thread's */
	*off = commit(r, (size_t)n);
	P(r)->exe_state = GARLIC_PROCESS_OK;
}

void garlic_procfs_read_cwd(struct reader *r, size_t *off)
{
	ssize_t n = read_link(r, "cwd");
	uint8_t state;

	if (n < 0) {
		P(r)->cwd_error = (int)-n;
		state = state_of(r, (int)-n);
		P(r)->cwd_state = state;
		if (P(r)->cwd_state == GARLIC_PROCESS_KERNEL_THREAD ||
		    P(r)->cwd_state == GARLIC_PROCESS_ZOMBIE)
			P(r)->cwd_error = 0;
		return;
	}
	*off = commit(r, (size_t)n);
	/* A kernel thread shows init's root ("/"): not a directory of its own. */
	if (is_kthread(r)) {
		(*r->bufp)->used = *off;
		P(r)->cwd_state = GARLIC_PROCESS_KERNEL_THREAD;
		return;
	}
	P(r)->cwd_state = GARLIC_PROCESS_OK;
}

/* The line of /proc/PID/status that starts with key, or NULL. */
static const char *status_line(const char *s, const char *key)
{
	size_t klen = strlen(key);

	while (s && *s) {
		if (!strncmp(s, key, klen))
			return s + klen;
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return NULL;
}

/* "\tA\tB..." after the key: the first two numbers. */
static bool parse_two(const char *s, uint32_t *a, uint32_t *b)
{
	uint64_t x, y;

	if (!s)
		return false;
	while (*s == '\t' || *s == ' ')
		s++;
	if (!parse_u64(&s, &x))
		return false;
	while (*s == '\t' || *s == ' ')
		s++;
	if (!parse_u64(&s, &y))
		return false;
	*a = (uint32_t)x;
	*b = (uint32_t)y;
	return true;
}

void garlic_procfs_read_status(struct reader *r, uint32_t fields)
{
	ssize_t n = read_file(r, "status", SIZE_MAX);
	const char *s, *line;
	uint8_t state;

	if (n < 0) {
		state = state_of(r, (int)-n);
		if (fields & GARLIC_PROCESS_IDS)
			P(r)->ids_state = state, P(r)->ids_error = (int)-n;
		if (fields & GARLIC_PROCESS_NSPID)
			P(r)->nspid_state = state, P(r)->nspid_error = (int)-n;
		return;
	}
	s = (*r->bufp)->data + (*r->bufp)->used;
	if (fields & GARLIC_PROCESS_IDS) {
		if (parse_two(status_line(s, "Uid:"), &P(r)->ruid, &P(r)->euid) &&
		    parse_two(status_line(s, "Gid:"), &P(r)->rgid, &P(r)->egid)) {
			P(r)->ids_state = GARLIC_PROCESS_OK;
		} else {
			P(r)->ruid = P(r)->euid = P(r)->rgid = P(r)->egid = 0;
			P(r)->ids_state = GARLIC_PROCESS_FAILED;
			P(r)->ids_error = EBADMSG;
		}
	}
	if (fields & GARLIC_PROCESS_NSPID) {
		line = status_line(s, "NSpid:");
		if (!line) {
			P(r)->nspid_state = GARLIC_PROCESS_UNSUPPORTED;
			return;
		}
		/* "\t<pid here>\t<pid one level down>...": the last one. */
		P(r)->nspid_state = GARLIC_PROCESS_FAILED;
		P(r)->nspid_error = EBADMSG;
		for (unsigned int level = 0;; level++) {
			uint64_t v;

			while (*line == '\t' || *line == ' ')
				line++;
			if (!parse_u64(&line, &v))
				break;
			P(r)->ns_pid = (pid_t)v;
			P(r)->ns_level = level;
			P(r)->nspid_state = GARLIC_PROCESS_OK;
			P(r)->nspid_error = 0;
		}
	}
}

void garlic_procfs_read_cgroup(struct reader *r, size_t *off)
{
	ssize_t n = read_file(r, "cgroup", SIZE_MAX);
	char *s, *line, *end;
	uint8_t state;
	size_t len;

	if (n < 0) {
		P(r)->cgroup_error = (int)-n;
		state = state_of(r, (int)-n);
		P(r)->cgroup_state = state;
		return;
	}
	s = (*r->bufp)->data + (*r->bufp)->used;
	/* v1 lines are "N:controllers:/path"; the v2 one is "0::/path". */
	for (line = s; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, "0::", 3))
			continue;
		len = end ? (size_t)(end - line) - 3 : strlen(line) - 3;
		memmove(s, line + 3, len);
		s[len] = '\0';
		*off = commit(r, len);
		P(r)->cgroup_state = GARLIC_PROCESS_OK;
		return;
	}
	P(r)->cgroup_state = GARLIC_PROCESS_UNSUPPORTED;
}

