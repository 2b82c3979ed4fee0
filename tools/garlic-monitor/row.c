// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The row: one normalised view of an event, built once, that every sink
 * reads. Whose event it is, its parent, its names, its lifetime and its
 * exit status are worked out here and nowhere else.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <garlic/process.h>

#include "row.h"

pid_t event_tgid(const struct garlic_event *ev)
{
	return ev->type == GARLIC_EVENT_FORK ? ev->fork.child_tgid : ev->tgid;
}

bool event_process_exit(const struct garlic_event *ev)
{
	return ev->type == GARLIC_EVENT_EXIT && ev->pid == ev->tgid;
}

const char *exit_status_text(uint32_t status, char *buf, size_t size)
{
	int st = (int)status;

	if (WIFEXITED(st)) {
		snprintf(buf, size, "exit %d", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		const char *name = sigabbrev_np(WTERMSIG(st));

		if (WCOREDUMP(st))
			snprintf(buf, size, "SIG%s (core dumped)", name ? name : "?");
		else if (name)
			snprintf(buf, size, "killed by SIG%s", name);
		else
			snprintf(buf, size, "killed by signal %d", WTERMSIG(st));
	} else {
		snprintf(buf, size, "status 0x%x", status);
	}
	return buf;
}

/*
 * The subject task and the parent column. For a new thread the kernel's
 * parent is the process's own parent, so a thread's is its process.
 */
static void row_ids(struct row *r, const struct garlic_event *ev, struct proc *p,
		    const struct exec_info *x)
{
	r->tgid = ev->tgid;
	if (ev->type == GARLIC_EVENT_FORK) {
		r->pid = ev->fork.child_pid;
		r->ppid = ev->fork.child_pid != ev->fork.child_tgid ? ev->fork.child_tgid
								  : ev->fork.parent_tgid;
		return;
	}
	r->pid = ev->pid;
	if (ev->pid != ev->tgid)
		r->ppid = ev->tgid;
	else if (ev->type == GARLIC_EVENT_EXIT && ev->exit.parent_tgid)
		r->ppid = ev->exit.parent_tgid;
	else if (p && p->ppid)
		r->ppid = p->ppid;
	else if (ev->type == GARLIC_EVENT_EXEC && x->proc &&
		 x->proc->stat_state == GARLIC_PROCESS_OK && x->proc->ppid > 0)
		r->ppid = p ? (p->ppid = x->proc->ppid) : x->proc->ppid;
	else if (ev->type == GARLIC_EVENT_EXEC && p)
		r->ppid = p->ppid = proc_read_ppid(ev->tgid);
}

/* What an exec ran, and its name from the snapshot. */
static void row_exec(struct row *r, struct exec_info *x, const char *old_comm)
{
	r->exec = x;
	r->prev_comm = old_comm[0] ? old_comm : NULL;
	r->comm_from_exec = exec_name(x, r->exec_comm);
	r->comm = r->comm_from_exec ? r->exec_comm : NULL;
	r->argv_why = argv_unavailable(x);
	r->cmdline = x->cmdline;
	r->cmdline_len = x->cmdline_len;
	/* The old cmdline member gave "[comm]" for a process already dead. */
	if (r->argv_why && r->comm_from_exec) {
		size_t n = strlen(r->exec_comm);

		x->cmdline[0] = '[';
		memcpy(x->cmdline + 1, r->exec_comm, n);
		x->cmdline[n + 1] = ']';
		x->cmdline[n + 2] = '\0';
		r->cmdline_len = n + 2;
	}
}

void row_build(struct row *r, const struct garlic_event *ev, struct proc *p,
	       struct exec_info *x, const char *old_comm, const struct garlic_taskstats *stats)
{
	const struct proc *parent;

	memset(r, 0, offsetof(struct row, exec_comm));
	r->ev = ev;
	r->lifetime_ns = -1;
	r->stats = stats;
	r->depth = p ? p->depth : 0;
	row_ids(r, ev, p, x);
	r->comm = p && p->comm[0] ? p->comm : NULL;
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		parent = ev->fork.child_pid != ev->fork.child_tgid
				 ? p : proc_find(ev->fork.parent_tgid);
		r->parent_comm = parent && parent->comm[0] ? parent->comm : NULL;
		break;
	case GARLIC_EVENT_COMM:
		/* A thread's new name is not its process's, and its old one is unknown. */
		if (ev->pid != ev->tgid)
			r->comm = ev->comm.command;
		else
			r->prev_comm = old_comm[0] ? old_comm : NULL;
		break;
	case GARLIC_EVENT_EXEC:
		row_exec(r, x, old_comm);
		break;
	case GARLIC_EVENT_EXIT:
		/* Its statistics name it when nothing else did. */
		if (!r->comm && stats && stats->comm[0] && ev->pid == ev->tgid)
			r->comm = stats->comm;
		r->status = exit_status_text(ev->exit.exit_code, r->status_buf,
					     sizeof(r->status_buf));
		if (p && p->start_ns && event_process_exit(ev))
			r->lifetime_ns = (int64_t)(ev->timestamp_ns - p->start_ns);
		break;
	}
}
