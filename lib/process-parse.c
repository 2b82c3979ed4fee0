// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The text files of /proc/PID parsed into a snapshot: stat (read once,
 * for the snapshot or only to tell why another read failed), status (ids
 * and namespace pid) and cgroup (the v2 path).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "garlic-private.h"
#include "process-read.h"

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
	n = garlic_procfs_read_file(r, "stat", SIZE_MAX);
	if (n >= 0 && !parse_stat((*r->bufp)->data + (*r->bufp)->used, (size_t)n, &r->st))
		n = -EBADMSG;
	r->st.error = n < 0 ? (int)-n : 0;
	if (r->st.error == ESRCH)
		r->gone = true;
	return r->st.error;
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
	ssize_t n = garlic_procfs_read_file(r, "status", SIZE_MAX);
	const char *s, *line;
	uint8_t state;

	if (n < 0) {
		state = garlic_procfs_state_of(r, (int)-n);
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
	ssize_t n = garlic_procfs_read_file(r, "cgroup", SIZE_MAX);
	char *s, *line, *end;
	uint8_t state;
	size_t len;

	if (n < 0) {
		P(r)->cgroup_error = (int)-n;
		state = garlic_procfs_state_of(r, (int)-n);
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
		*off = garlic_procfs_commit(r, len);
		P(r)->cgroup_state = GARLIC_PROCESS_OK;
		return;
	}
	P(r)->cgroup_state = GARLIC_PROCESS_UNSUPPORTED;
}

/* /proc/PID/comm: the name as set, then one newline (a name may hold more). */
void garlic_procfs_read_comm(struct reader *r)
{
	ssize_t n = garlic_procfs_read_file(r, "comm", sizeof(P(r)->comm) + 1);
	const char *s;

	if (n < 0) {
		P(r)->comm_error = (int)-n;
		P(r)->comm_state = garlic_procfs_state_of(r, (int)-n);
		return;
	}
	s = (*r->bufp)->data + (*r->bufp)->used;
	if (n > 0 && s[n - 1] == '\n')
		n--;
	if ((size_t)n > sizeof(P(r)->comm) - 1)
		n = sizeof(P(r)->comm) - 1;
	memset(P(r)->comm, 0, sizeof(P(r)->comm));
	memcpy(P(r)->comm, s, (size_t)n);
	P(r)->comm_state = GARLIC_PROCESS_OK;
}
