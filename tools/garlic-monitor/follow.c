// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Following a process and its descendants: by the kernel's fork reports,
 * by the process group and session where the kernel's parent field
 * cannot tell (a clone(CLONE_PARENT) child names its creator's parent),
 * and by start time, so that a pid taken by a new process after the
 * followed one died is not followed in its place.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "follow.h"

/* What /proc/PID/stat says about a process. */
struct stat_fields {
	char state;
	pid_t ppid, pgrp, sid;
	unsigned long long start; /* clock ticks after boot */
};

static bool read_stat(pid_t pid, struct stat_fields *s)
{
	char buf[1024];
	const char *paren = proc_stat_after_name(pid, buf, sizeof(buf));

	/* starttime is field 22: 15 fields lie between it and the session. */
	return paren && sscanf(paren + 1,
			       " %c %d %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
			       " %*s %*s %*s %llu",
			       &s->state, &s->ppid, &s->pgrp, &s->sid, &s->start) == 5;
}

pid_t follow_tgid_of(pid_t pid)
{
	char buf[4096], *line;
	int tgid;

	/* /proc/TID exists for threads too, though readdir does not list them. */
	if (proc_read(pid, "status", buf, sizeof(buf)) <= 0)
		return 0;
	line = strstr(buf, "\nTgid:");
	if (!line || sscanf(line + 6, "%d", &tgid) != 1)
		return 0;
	return tgid;
}

static void gone(struct follow *f, struct proc *p)
{
	if (p && p->pid == f->root && p->tracked)
		f->root_gone = true;
	proc_gone(p);
}

void follow_start(struct follow *f, pid_t root, bool children, bool keep, bool command)
{
	struct stat_fields s;
	struct proc *p;

	*f = (struct follow){ .on = root > 0, .children = children || command,
			      .keep = keep, .command = command, .root = root,
			      .self = getpid() };
	if (!f->on)
		return;
	p = proc_find(root);
	if (!p && (p = proc_add(root)))
		proc_read_comm(root, p->comm);
	if (read_stat(root, &s)) {
		f->root_ppid = s.ppid;
		f->root_pgrp = s.pgrp;
		f->root_sid = s.sid;
		f->root_start = s.start;
	}
	if (command)
		f->root_ppid = f->self;
	if (p) {
		p->ppid = f->root_ppid;
		p->threads = proc_count_threads(root);
		proc_follow(p);
	}
	/* Gone before we listened: no exit event will ever say so. */
	if (!command && (!f->root_start || s.state == 'Z')) {
		if (p && p->threads)
			p->leader_exited = true; /* its threads go on */
		else
			gone(f, p);
	}
	/* After subscribing: a fork between the scan and the first read is seen. */
	if (f->children && !command)
		proc_seed_children(root);
}

bool follow_shows(const struct follow *f, pid_t tgid)
{
	const struct proc *p;

	if (!f->on)
		return true;
	p = proc_find(tgid);
	return p && p->tracked;
}

bool follow_is_root_birth(struct follow *f, const struct garlic_event *ev)
{
	/* A thread of COMMAND is reported with the monitor as parent too. */
	return f->command && ev->type == GARLIC_EVENT_FORK && ev->fork.child_tgid == f->root &&
	       ev->fork.child_pid == f->root && ev->fork.parent_tgid == f->self;
}

/*
 * A child whose kernel parent is root's parent: root's CLONE_PARENT
 * child, or a sibling of root. A child starts in its creator's process
 * group and session; where root's differ from its parent's, they tell.
 */
static bool clone_parent_child(struct follow *f, pid_t child)
{
	struct stat_fields c, parent, root;

	if (f->root_gone || !read_stat(child, &c) || !read_stat(f->root_ppid, &parent))
		return false;
	/* Root may have changed them since (setsid, setpgid). */
	if (read_stat(f->root, &root) && root.start == f->root_start) {
		f->root_pgrp = root.pgrp;
		f->root_sid = root.sid;
	}
	if (f->root_pgrp != parent.pgrp && c.pgrp == f->root_pgrp)
		return true;
	return f->root_sid != parent.sid && c.sid == f->root_sid;
}

bool follow_fork(struct follow *f, const struct garlic_event *ev, const struct proc *parent)
{
	pid_t child = ev->fork.child_tgid;

	if (!f->on)
		return false;
	if (child == f->root) {
		if (follow_is_root_birth(f, ev) && !f->root_born) {
			f->root_born = true;
			return true;
		}
		/* A new process on root's pid: root died, its exit unseen. */
		f->root_gone = true;
	}
	if (!f->children)
		return false;
	if (parent && parent->tracked)
		return true;
	/* COMMAND's CLONE_PARENT children are the monitor's: the kernel says so. */
	if (f->command)
		return ev->fork.parent_tgid == f->self;
	return ev->fork.parent_tgid == f->root_ppid && clone_parent_child(f, child);
}

void follow_thread(struct follow *f, const struct garlic_event *ev, struct proc *p)
{
	if (!f->on || !p || !p->tracked || p->exited)
		return;
	if (ev->type == GARLIC_EVENT_FORK) {
		p->threads++;
		return;
	}
	if (p->threads)
		p->threads--;
	if (p->leader_exited && !p->threads)
		gone(f, p);
}

void follow_exit(struct follow *f, const struct garlic_event *ev, struct proc *p)
{
	(void)ev;
	/* A leader that left first (pthread_exit): its threads go on. */
	if (p && p->tracked && !p->exited && p->threads) {
		p->leader_exited = true;
		return;
	}
	gone(f, p);
}

bool follow_over(const struct follow *f)
{
	if (!f->on || f->keep || !f->root_gone)
		return false;
	return !f->children || proc_followed_alive() == 0;
}

static void recheck_one(struct proc *p, void *data)
{
	struct follow *f = data;
	struct stat_fields s;

	/* COMMAND is the monitor's child: its end is known by waiting for it. */
	if (f->command && p->pid == f->root)
		return;
	if (read_stat(p->pid, &s) && s.state != 'Z' && s.state != 'X' &&
	    (p->pid != f->root || !f->root_start || s.start == f->root_start))
		return;
	gone(f, p);
}

void follow_recheck(struct follow *f)
{
	if (!f->on)
		return;
	proc_each_followed(recheck_one, f);
	if (f->children)
		proc_seed_children(f->root);
}
