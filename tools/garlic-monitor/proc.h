/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_PROC_H
#define GARLIC_MONITOR_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* proc.c: what the monitor knows about processes it has seen. */
struct proc {
	pid_t pid;		/* tgid; 0: empty slot */
	pid_t ppid;
	uint64_t start_ns;	/* fork (or first exec) timestamp; 0: unknown */
	unsigned int depth;	/* in the observed tree */
	bool tracked;		/* --pid --children: a descendant */
	bool in_tree;		/* seen at its fork or first exec: --tree depth counts */
	char comm[16];		/* its name as last learnt; "" unknown */
	uint64_t start_ticks;	/* the kernel's start time (/proc/PID/stat), learnt
				   by ecs.c; 0: not yet */
	/* select.c's filters: inherited at fork, updated at exec and uid */
	uint32_t ruid;
	int8_t ruid_state;	/* 1 known, -1 unreadable, 0 not asked yet */
	int8_t cgroup_match;	/* --cgroup/--unit/--container: 1, -1 no, 0 not known */
};

void proc_table_init(void);
struct proc *proc_find(pid_t pid);
struct proc *proc_add(pid_t pid);
void proc_remove(pid_t pid);
/*
 * The process entry of tgid, made on first meeting: a process born
 * before the monitor started is named once from /proc/PID/comm.
 */
struct proc *proc_meet(pid_t tgid);
/* Reads /proc/PID/comm into comm (16 bytes); false if it is gone. */
bool proc_read_comm(pid_t pid, char *comm);
void proc_set_comm(struct proc *p, const char *name, size_t n);
/* The parent of pid from /proc (for processes born before we listened). */
pid_t proc_read_ppid(pid_t pid);
/*
 * The process's start time as /proc/PID/stat gives it (clock ticks after
 * boot, CLOCK_BOOTTIME); 0 if it is gone.
 */
uint64_t proc_read_start_ticks(pid_t pid);
/*
 * --pid --children: marks the descendants root already has as tracked,
 * from /proc, since no fork event will ever name them. Returns how many.
 */
unsigned int proc_seed_children(pid_t root);

#endif
