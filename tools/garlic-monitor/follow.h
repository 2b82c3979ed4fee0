/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_FOLLOW_H
#define GARLIC_MONITOR_FOLLOW_H

#include <stdbool.h>
#include <sys/types.h>

#include <garlic/garlic.h>

#include "proc.h"

/*
 * follow.c: which processes are shown when only some are (--pid, with
 * --children, or a COMMAND the monitor runs), and when they are all gone.
 * A followed process is a process table entry marked tracked.
 */
struct follow {
	bool on;		/* false: every process is shown */
	bool children;		/* descendants too */
	bool keep;		/* --keep: go on after they are gone */
	bool command;		/* root is the COMMAND the monitor started */
	bool root_born;		/* COMMAND: its fork event came */
	bool root_gone;		/* root's process exited (or its pid was reused) */
	pid_t root;
	pid_t self;		/* the monitor: COMMAND's parent */
	pid_t root_ppid;	/* the kernel's parent of root's CLONE_PARENT children */
	pid_t root_pgrp, root_sid;
	unsigned long long root_start; /* /proc starttime in ticks; 0: unknown */
};

/*
 * Starts following root (0: every process): its entry, and with
 * children its descendants already running. command: root is the
 * monitor's own child, just forked.
 */
void follow_start(struct follow *f, pid_t root, bool children, bool keep, bool command);

/* Events of process tgid are shown. */
bool follow_shows(const struct follow *f, pid_t tgid);

/*
 * A process fork: whether the child (entry c, just made) is followed;
 * parent is the kernel's parent's entry or NULL. Notices root's pid
 * taken by a new process.
 */
bool follow_fork(struct follow *f, const struct garlic_event *ev, const struct proc *parent);

/* The fork event of COMMAND itself: the monitor's doing, not shown. */
bool follow_is_root_birth(struct follow *f, const struct garlic_event *ev);

/* A thread's fork or exit (p: its process's entry, or NULL). */
void follow_thread(struct follow *f, const struct garlic_event *ev, struct proc *p);

/*
 * A process exit (p: its entry, or NULL): its leader's. A followed
 * process with threads left is gone with its last thread.
 */
void follow_exit(struct follow *f, const struct garlic_event *ev, struct proc *p);

/* Root (and, with children, every followed descendant) is gone. */
bool follow_over(const struct follow *f);

/*
 * After lost events: followed processes whose exit was lost are let go
 * (gone, a zombie, or a pid now someone else's by its start time), and
 * descendants whose fork was lost are found in /proc.
 */
void follow_recheck(struct follow *f);

/* The process a task id belongs to (itself for a process); 0 if gone. */
pid_t follow_tgid_of(pid_t pid);

#endif
