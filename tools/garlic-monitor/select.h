/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_SELECT_H
#define GARLIC_MONITOR_SELECT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * select.c: which events are shown, decided in user space after the
 * kernel's kind filter (--events): by name, user, cgroup, unit,
 * container, and threads or not. Different filters combine with AND,
 * repeats of one filter with OR.
 */

/* Repeats of one filter: enough for any command line a person types. */
#define SELECT_MAX 32

struct pattern_list {
	unsigned int n;
	const char *v[SELECT_MAX]; /* point into argv */
};

struct selection {
	struct pattern_list comm, exclude_comm, cgroup, unit, container;
	unsigned int n_users;
	uint32_t users[SELECT_MAX];
	bool no_threads;
};

enum select_filter {
	SELECT_COMM,
	SELECT_EXCLUDE_COMM,
	SELECT_USER,
	SELECT_CGROUP,
	SELECT_UNIT,
	SELECT_CONTAINER,
};

/* Adds one value of a filter; returns NULL, or why it is refused. */
const char *select_add(struct selection *s, enum select_filter which, const char *value);
/* Whether any filter is set: when none is, nothing here runs. */
bool select_active(const struct selection *s);
/* GARLIC_PROCESS_* fields an exec snapshot must hold for these filters. */
uint32_t select_fields(const struct selection *s);

struct garlic_event;
struct proc;
struct exec_info;
struct row;

/*
 * Keeps what the filters know of a process current (p: the event's
 * process entry, x: an exec's snapshot): a child inherits its parent's
 * user and cgroup, an exec and a uid event update them. Every event
 * goes through it, shown or not.
 */
void select_learn(const struct selection *s, const struct garlic_event *ev, struct proc *p,
		  const struct exec_info *x);
/* Whether the row r (of process entry p, may be NULL) is shown. */
bool select_row(const struct selection *s, const struct row *r, struct proc *p);

#endif
