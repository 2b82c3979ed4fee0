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
	bool tracked;		/* followed (--pid, --children, COMMAND); never evicted
				   while alive: set and cleared by proc_follow/proc_gone */
	bool exited;		/* its process exit was seen; a followed entry stays for
				   the thread exits the kernel sends after it */
	bool leader_exited;	/* followed: its leader exited, threads remain */
	unsigned int threads;	/* followed: live threads besides the leader */
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
/*
 * A fresh entry for pid (a known one is reset: the pid was reused). A
 * full probe run evicts an entry that is not followed, or followed but
 * gone; NULL when every one is a live followed process (never silently:
 * proc_full counts it).
 */
struct proc *proc_add(pid_t pid);
void proc_remove(pid_t pid);
/* Marks p followed; alive ones are counted by proc_followed_alive(). */
void proc_follow(struct proc *p);
/* p's process exited: a followed entry stays (exited), any other goes. */
void proc_gone(struct proc *p);
/* Threads of pid besides its leader, from /proc. */
unsigned int proc_count_threads(pid_t pid);
/* Followed processes not yet seen to exit. */
unsigned long proc_followed_alive(void);
/* Calls fn for each followed process not yet seen to exit. */
void proc_each_followed(void (*fn)(struct proc *p, void *data), void *data);
/* Adds that could not be made without evicting a live followed process. */
extern unsigned long proc_full;
/*
 * The process entry of tgid, made on first meeting: a process born
 * before the monitor started is named once from /proc/PID/comm.
 */
struct proc *proc_meet(pid_t tgid);
/* Reads /proc/PID/comm into comm (16 bytes); false if it is gone. */
bool proc_read_comm(pid_t pid, char *comm);
void proc_set_comm(struct proc *p, const char *name, size_t n);
/*
 * The file name of /proc/PID, NUL-terminated in buf (size - 1 bytes at
 * most, one read); its length, or -1 (then buf is untouched).
 */
ssize_t proc_read(pid_t pid, const char *name, char *buf, size_t size);
/*
 * /proc/PID/stat, read into buf, past the name (which may hold spaces and
 * parentheses): a pointer to its last ')'. NULL when the process is gone.
 */
const char *proc_stat_after_name(pid_t pid, char *buf, size_t size);
/* The parent of pid from /proc (for processes born before we listened). */
pid_t proc_read_ppid(pid_t pid);
/*
 * The process's start time as /proc/PID/stat gives it (clock ticks after
 * boot, CLOCK_BOOTTIME); 0 if it is gone.
 */
uint64_t proc_read_start_ticks(pid_t pid);
/*
 * --pid --children: marks the descendants root already has as tracked,
 * from /proc, since no fork event will ever name them; after a loss,
 * finds the ones whose fork was lost. root must be followed already.
 * Returns how many it added.
 */
unsigned int proc_seed_children(pid_t root);

#endif
