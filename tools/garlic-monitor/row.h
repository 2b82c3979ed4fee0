/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_ROW_H
#define GARLIC_MONITOR_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <garlic/garlic.h>
#include <garlic/taskstats.h>

#include "proc.h"
#include "snapshot.h"

/*
 * One event as every sink sees it, built once (row_build): whose it is,
 * what names it, how long it lived and how it ended. The sinks read it
 * and never look pids up themselves.
 */
struct row {
	const struct garlic_event *ev;
	pid_t pid;		/* the subject task (fork: the child) */
	pid_t tgid;		/* its process */
	pid_t ppid;		/* the parent column; 0: unknown */
	const char *comm;	/* the subject's name; NULL: unknown */
	bool comm_from_exec;	/* exec: comm names this program, not an earlier one */
	const char *parent_comm; /* fork: the parent's name */
	const char *prev_comm;	/* comm, exec: the process's name before it */
	unsigned int depth;	/* --tree */
	int64_t lifetime_ns;	/* exit: -1 if unknown */
	const struct garlic_taskstats *stats; /* exit, with --taskstats */
	/* exec */
	const struct exec_info *exec;
	const char *cmdline;	/* argv joined by spaces, or "[comm]" when it is gone */
	size_t cmdline_len;
	const char *argv_why;	/* why argv is missing; NULL: it is there */
	/* exit */
	const char *status;	/* "exit 3", "killed by SIGKILL", ... */
	/* storage the pointers above may point into */
	char exec_comm[16];
	char status_buf[64];
};

/*
 * Fills r for ev. p: the event's process entry (or NULL), whose parent
 * is learnt and kept on the way; x: the exec's snapshot (exec only; its
 * cmdline is rewritten to "[comm]" when argv is gone); old_comm: the
 * name before a comm or exec event; stats: an exit's statistics.
 */
void row_build(struct row *r, const struct garlic_event *ev, struct proc *p,
	       struct exec_info *x, const char *old_comm, const struct garlic_taskstats *stats);

/* The process an event's bookkeeping is about: a fork's child, else the subject. */
pid_t event_tgid(const struct garlic_event *ev);
/* A whole process ended (not one of its threads). */
bool event_process_exit(const struct garlic_event *ev);

/* Formats an exit status ("exit 3", "killed by SIGKILL", ...) into buf. */
const char *exit_status_text(uint32_t status, char *buf, size_t size);

#endif
