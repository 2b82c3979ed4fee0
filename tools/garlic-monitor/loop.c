// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The event loop: garlic's fd and the signal pipe in one poll(), a
 * deadline for --duration, process bookkeeping, and the stats at the end.
 * Each shown event becomes a row (row.c) handed to the sink (sink.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <garlic/process.h>

#include "clock.h"
#include "command.h"
#include "follow.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "options.h"
#include "output.h"
#include "proc.h"
#include "row.h"
#include "select.h"
#include "signals.h"
#include "sink.h"
#include "snapshot.h"
#include "stats.h"

/*
 * How long an exit waits for its statistics. The kernel sends them first,
 * on the other socket, so they are normally in when the exit is read.
 */
#define TASKSTATS_WAIT_MS 200

struct monitor {
	const struct options *opt;
	struct out out;
	struct garlic *g;
	unsigned long printed;
	uint64_t loss_reports;
	struct garlic_taskstats_listener *taskstats;
	struct garlic_exit_joiner *joiner;
	struct sink sink;	/* where events go, picked once */
	bool stop;
	bool ending;		/* what is followed is gone: read what is queued, then stop */
	struct follow follow;	/* --pid, --children, COMMAND */
	struct command cmd;	/* -- COMMAND */
	int signals_seen;	/* SIGINT and SIGTERM handled, with COMMAND */
	bool selecting;		/* a filter of select.c is set */
	uint32_t exec_fields;	/* what an exec line shows */
	struct exec_info exec;	/* the exec being shown */
	char old_comm[16];	/* a comm event's name before it */
};

/* The kinds the person asked to see; NONZERO_EXIT means failed exits. */
static bool wanted(const struct options *opt, const struct garlic_event *ev)
{
	uint32_t mask = opt->events;

	if (!mask || ev->type & mask)
		return true;
	return ev->type == GARLIC_EVENT_EXIT && (mask & GARLIC_EVENT_NONZERO_EXIT) &&
	       ev->exit.exit_code != 0;
}

/*
 * Keeps the process table current; returns the event's process entry.
 * Names are learnt from exec snapshots and comm events and inherited at
 * fork; a process first met otherwise (born before we listened) is named
 * once from /proc.
 */
static struct proc *book(struct monitor *m, const struct garlic_event *ev)
{
	struct proc *p, *parent;
	char name[16] = "";

	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		if (ev->fork.child_pid != ev->fork.child_tgid)
			return proc_meet(ev->fork.child_tgid);
		parent = proc_meet(ev->fork.parent_tgid);
		/* Copied first: adding the child may reuse the parent's slot. */
		memcpy(name, parent ? parent->comm : "", parent ? sizeof(name) : 1);
		p = proc_add(ev->fork.child_pid);
		if (!p)
			return NULL;
		parent = proc_find(ev->fork.parent_tgid);
		p->ppid = ev->fork.parent_tgid;
		p->start_ns = ev->timestamp_ns;
		/* Depth counts from what was already running when we started. */
		p->depth = parent && parent->in_tree ? parent->depth + 1 : 0;
		p->in_tree = true;
		if (follow_fork(&m->follow, ev, parent))
			proc_follow(p);
		/* A child is its parent's namesake until it execs or renames itself. */
		memcpy(p->comm, name, sizeof(name));
		/* Followed, but the kernel's parent is not its creator (CLONE_PARENT). */
		if (p->tracked && !(parent && parent->tracked) && proc_read_comm(p->pid, name))
			memcpy(p->comm, name, sizeof(name));
		return p;
	case GARLIC_EVENT_EXEC:
		p = proc_find(ev->exec.process_tgid);
		if (!p && (p = proc_add(ev->exec.process_tgid))) {
			p->start_ns = ev->timestamp_ns; /* born before we listened */
			p->in_tree = true;
		}
		memcpy(m->old_comm, p ? p->comm : "", p ? sizeof(m->old_comm) : 1);
		/*
		 * A process read too late (gone, or replaced by a later exec)
		 * keeps the name it had: its parent's, for a fork and exec.
		 */
		if (p && exec_name(&m->exec, name))
			memcpy(p->comm, name, sizeof(p->comm));
		return p;
	case GARLIC_EVENT_COMM:
		/* First met at its renaming: /proc has the new name only. */
		p = proc_find(ev->tgid);
		if (!p)
			p = proc_add(ev->tgid);
		memcpy(m->old_comm, p ? p->comm : "", p ? sizeof(m->old_comm) : 1);
		/* A thread's name is its own; the process's is its leader's. */
		if (p && ev->pid == ev->tgid)
			proc_set_comm(p, ev->comm.command, strnlen(ev->comm.command, 15));
		return p;
	default:
		return proc_meet(ev->tgid);
	}
}

/* Shows one event (p: its process entry, or NULL) and counts it. */
static void show_event(struct monitor *m, const struct garlic_event *ev, struct proc *p,
		       const struct garlic_taskstats *stats)
{
	const struct options *opt = m->opt;
	struct row r;

	row_build(&r, ev, p, &m->exec, m->old_comm, stats);
	if (m->selecting && !select_row(&opt->select, &r, p))
		return;
	m->sink.event(&m->sink, &r);
	metrics_event(&r);
	if (opt->stats)
		stats_count(&r);
	m->printed++;
	if ((opt->count && m->printed >= opt->count) || m->out.broken || m->out.error)
		m->stop = true;
}

/* A process exit met its statistics, or waited long enough for them. */
static int on_exit_paired(const struct garlic_event *ev, const struct garlic_taskstats *stats,
			  void *userdata)
{
	struct monitor *m = userdata;

	if (!m->stop)
		show_event(m, ev, proc_find(ev->pid), stats);
	follow_exit(&m->follow, ev, proc_find(ev->pid));
	return 0;
}

static int on_stats(const struct garlic_taskstats *stats, void *userdata)
{
	struct monitor *m = userdata;

	garlic_exit_joiner_add_stats(m->joiner, stats);
	return m->stop;
}

static int on_event(const struct garlic_event *ev, void *userdata)
{
	struct monitor *m = userdata;
	const struct options *opt = m->opt;
	bool process_exit = event_process_exit(ev);
	bool show = wanted(opt, ev) && follow_shows(&m->follow, event_tgid(ev));
	struct proc *p;

	/* An exec not shown is read only for its name (when the library did not). */
	if (ev->type == GARLIC_EVENT_EXEC)
		exec_snapshot(&m->exec, ev, show ? m->exec_fields : GARLIC_PROCESS_COMM |
				      select_fields(&opt->select), opt->argv_max);
	p = book(m, ev);
	/* Known only now: whether the child is followed; a fork of a followed process shows. */
	if (ev->type == GARLIC_EVENT_FORK)
		show = wanted(opt, ev) && !follow_is_root_birth(&m->follow, ev) &&
		       (follow_shows(&m->follow, ev->fork.child_tgid) ||
			follow_shows(&m->follow, ev->fork.parent_tgid));
	if (m->selecting)
		select_learn(&opt->select, ev, p, &m->exec);
	if (show && process_exit && m->joiner) {
		/* Printed when its statistics come (on_exit_paired). */
		garlic_exit_joiner_add_event(m->joiner, ev);
		return m->stop || stop_requested;
	}
	if (show)
		show_event(m, ev, p, NULL);
	if (ev->type == GARLIC_EVENT_EXEC)
		exec_info_done(&m->exec);
	if (process_exit)
		follow_exit(&m->follow, ev, proc_find(ev->pid));
	else if (ev->pid != ev->tgid && ev->type == GARLIC_EVENT_EXIT)
		follow_thread(&m->follow, ev, p);
	else if (ev->type == GARLIC_EVENT_FORK && ev->fork.child_pid != ev->fork.child_tgid)
		follow_thread(&m->follow, ev, p);
	/* A signal ends the batch at once: what is queued is of no more use. */
	return m->stop || stop_requested;
}

static int on_loss(const struct garlic_loss *loss, void *userdata)
{
	struct monitor *m = userdata;

	m->loss_reports++;
	m->sink.lost(&m->sink, loss);
	metrics_loss(loss);
	out_flush(&m->out);
	/* Exits and forks may be among the lost: ask /proc. */
	follow_recheck(&m->follow);
	return 0;
}

/* What to do about a failure to listen, where garlic_strerror() does not say. */
static const char *advice(int err)
{
	switch (-err) {
	case EPERM:
		return "; run it as root or give it CAP_NET_ADMIN";
	case ECONNREFUSED:
		return "; in a container, run it with the host's network";
	case ETIMEDOUT:
		return "; run it on the host, not in a container's pid or user namespace";
	default:
		return "";
	}
}

/*
 * poll()'s timeout in ms: the --duration deadline; -2 once it has passed.
 * Everything else that is due shows on a descriptor.
 */
static int wait_timeout(uint64_t deadline)
{
	uint64_t now;

	if (!deadline)
		return -1;
	now = monotonic_ns();
	if (now >= deadline)
		return -2;
	return timeout_until(-1, now, deadline);
}

static int open_listeners(struct monitor *m)
{
	const struct options *opt = m->opt;
	struct garlic_open_opts gopts = GARLIC_OPEN_OPTS(
		.flags = GARLIC_OPEN_NONBLOCK,
		.rcvbuf = opt->rcvbuf,
		.latency_budget_us = (unsigned int)(opt->latency_ms * 1000));
	struct garlic_taskstats_opts topts = GARLIC_TASKSTATS_OPTS(.flags = GARLIC_OPEN_NONBLOCK);
	int r;

	/* The kernel filters; fork events also feed --children and --tree. */
	gopts.events = opt->events;
	if (gopts.events && (opt->children || opt->tree))
		gopts.events |= GARLIC_EVENT_FORK;
	/* Following needs every fork and exit, shown or not: entries are freed at exit. */
	if (gopts.events && (opt->pid || opt->command))
		gopts.events |= GARLIC_EVENT_FORK | GARLIC_EVENT_EXIT;
	/*
	 * Lines other than exec name their process from what fork, exec and
	 * comm taught the process table: those come too, unprinted. Exec
	 * lines name themselves from their snapshot.
	 */
	if (gopts.events & ~GARLIC_EVENT_EXEC)
		gopts.events |= GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC | GARLIC_EVENT_COMM;
	/*
	 * --user follows uid changes as the kernel reports them, unprinted:
	 * a process that drops to another user and exits before its exec
	 * can be read (setpriv ... sh -c 'exit 1') is judged by its new uid.
	 */
	if (gopts.events && opt->select.n_users)
		gopts.events |= GARLIC_EVENT_FORK | GARLIC_EVENT_UID;
	/* Every exec is read the moment the library learns of it; unprinted, for its name. */
	m->selecting = select_active(&opt->select);
	m->exec_fields = exec_fields(opt) | select_fields(&opt->select);
	if (!opt->events || (opt->events & GARLIC_EVENT_EXEC))
		gopts.capture = m->exec_fields;
	else
		gopts.capture = GARLIC_PROCESS_COMM | select_fields(&opt->select);
	gopts.capture_argv_max = opt->argv_max;
	r = garlic_open_opts(&m->g, &gopts, on_event, m);
	if (r < 0) {
		fprintf(stderr, "%s: cannot listen to process events: %s%s\n", PROGRAM,
			garlic_strerror(r), advice(r));
		return r;
	}
	garlic_set_loss_fn(m->g, on_loss, m);
	if (!opt->taskstats)
		return 0;
	r = garlic_taskstats_open(&m->taskstats, &topts, on_stats, m);
	if (r == 0)
		r = garlic_exit_joiner_new(&m->joiner, TASKSTATS_WAIT_MS, on_exit_paired, m);
	if (r < 0)
		fprintf(stderr, "%s: cannot read exit statistics (taskstats): %s\n", PROGRAM,
			garlic_strerror(r));
	return r;
}

/* Tells a script that started us that events from now on are seen. */
static int write_ready_file(const char *path)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", PROGRAM, path, strerror(errno));
		return -1;
	}
	r = fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0 || r < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROGRAM, path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * With COMMAND, the first SIGINT or SIGTERM is passed on to it (unless a
 * terminal sent it, which reached COMMAND's process group already) and
 * the monitor goes on following; a second one, or one after COMMAND
 * ended, stops the monitor. Returns true to stop.
 */
static bool command_signals(struct monitor *m)
{
	int seen;

	stop_requested = 0;
	seen = stop_signals;
	while (m->signals_seen < seen) {
		m->signals_seen++;
		if (m->cmd.ended || m->signals_seen > 1)
			return true;
		if (!last_stop_from_kernel)
			kill(m->cmd.pid, last_stop_signal);
	}
	return false;
}

/* How long the turn may sleep: -1 for ever, -2 when --duration is over. */
static int turn_timeout(const struct monitor *m, uint64_t deadline)
{
	int timeout = wait_timeout(deadline);

	if (timeout == -2)
		return -2;
	timeout = metrics_timeout(timeout, monotonic_ns());
	timeout = notify_timeout(timeout);
	/* Without a pidfd (Linux < 5.3), COMMAND's end is looked for now and then. */
	if (m->cmd.pid && m->cmd.pidfd < 0 && !m->cmd.ended && (timeout < 0 || timeout > 100))
		timeout = 100;
	return timeout;
}

/*
 * What woke us besides events: signals, COMMAND's end, SIGHUP's re-open.
 * Returns 0 to go on, 1 to stop, -1 to stop on an error.
 */
static int turn_signals(struct monitor *m, bool woken)
{
	/* The flags say what came; the pipe only woke us, when it did. */
	if (woken)
		signals_drain();
	if (stop_requested && (!m->cmd.pid || command_signals(m)))
		return 1;
	if (reopen_requested) {
		reopen_requested = 0;
		/* Going on in the rotated file would write where no one looks. */
		if (out_reopen(&m->out) < 0) {
			fprintf(stderr, "%s: reopening %s on SIGHUP: %s; stopping\n", PROGRAM,
				m->opt->output, m->out.why);
			return -1;
		}
	}
	return 0;
}

/*
 * One turn of the loop: flush, wait, then read what is due. Returns 0 to
 * go on, 1 to stop, -1 to stop on an error (said on stderr).
 */
static int turn(struct monitor *m, int wake_fd, uint64_t deadline)
{
	struct pollfd fds[5] = {
		{ .fd = garlic_fd(m->g), .events = POLLIN },
		{ .fd = wake_fd, .events = POLLIN },
		{ .fd = m->taskstats ? garlic_taskstats_fd(m->taskstats) : -1, .events = POLLIN },
		{ .fd = m->joiner ? garlic_exit_joiner_fd(m->joiner) : -1, .events = POLLIN },
		{ .fd = m->cmd.pid && !m->cmd.ended ? m->cmd.pidfd : -1, .events = POLLIN },
	};
	int timeout, r;

	/* Block-buffered output still goes out before we sleep. */
	out_flush(&m->out);
	if (m->out.broken || m->out.error)
		return 1;
	timeout = turn_timeout(m, deadline);
	if (timeout == -2)
		return 1;
	r = poll(fds, 5, timeout);
	if (r < 0 && errno != EINTR) {
		fprintf(stderr, "%s: poll: %s\n", PROGRAM, strerror(errno));
		return -1;
	}
	notify_watchdog();
	r = turn_signals(m, fds[1].revents & POLLIN);
	if (r)
		return r;
	/* Statistics first: the kernel sends them before the exit event. */
	if (m->taskstats && (fds[2].revents & POLLIN) &&
	    garlic_taskstats_receive(m->taskstats) == -ENOBUFS)
		fprintf(stderr, "%s: exit statistics were lost (receive buffer full)\n", PROGRAM);
	/*
	 * One bounded batch per turn, never "until empty": under a storm
	 * that would never end, and signals and --duration would wait.
	 */
	r = fds[0].revents & POLLIN ? garlic_receive(m->g) : 0;
	if (r < 0 && r != -EAGAIN) {
		fprintf(stderr, "%s: %s\n", PROGRAM, garlic_strerror(r));
		return -1;
	}
	/*
	 * COMMAND is reaped after its events are read: until then it is a
	 * zombie whose exec the capture can still name, however short it ran.
	 * Only once the poll saw it end: then its exec, which came before,
	 * was in the socket the drain above read. (An end seen later, while
	 * this turn ran, may follow an exec not read yet.)
	 */
	if (m->cmd.pid && (m->cmd.pidfd < 0 || (fds[4].revents & POLLIN)))
		command_reap(&m->cmd, false);
	else
		command_reap_others(&m->cmd);
	if (m->joiner && (fds[3].revents & POLLIN))
		garlic_exit_joiner_flush(m->joiner, 0);
	metrics_tick(m->g, monotonic_ns());
	return 0;
}

/*
 * Everything before the first turn: the outputs (the journal probed
 * before anything is written), the subscription, then COMMAND, released
 * once the ready file says we listen. Returns 0, or the exit status.
 */
static int start_up(struct monitor *m, int *wake_fd)
{
	const struct options *opt = m->opt;

	if (out_open(&m->out, opt->output) < 0) {
		fprintf(stderr, "%s: --output %s: %s\n", PROGRAM, opt->output, m->out.why);
		return 1;
	}
	sink_pick(&m->sink, opt, &m->out);
	if (sink_start(&m->sink) < 0 || metrics_start(opt, monotonic_ns()) < 0)
		return 1;
	proc_table_init();
	*wake_fd = signals_init();
	if (*wake_fd < 0) {
		fprintf(stderr, "%s: setting up signals: %s\n", PROGRAM, strerror(-*wake_fd));
		return 1;
	}
	if (open_listeners(m) < 0)
		return 1;
	/* Subscribed first: the command's fork and all after it are seen. */
	if (opt->command && command_start(&m->cmd, opt->command) < 0)
		return 1;
	follow_start(&m->follow, m->cmd.pid ? m->cmd.pid : opt->pid, opt->children, opt->keep,
		     m->cmd.pid != 0);
	if (opt->ready_file && write_ready_file(opt->ready_file) < 0)
		return 1;
	notify_ready();
	command_go(&m->cmd);
	return 0;
}

/* Everything after the last turn; the exit status, from status so far. */
static int finish(struct monitor *m, int status, uint64_t start)
{
	if (proc_full)
		fprintf(stderr, "%s: the process table was full of followed processes: "
				"%lu were not followed\n", PROGRAM, proc_full);
	/* Exits still waiting for statistics go out without them. */
	if (m->joiner && !m->stop)
		garlic_exit_joiner_flush(m->joiner, 1);
	out_flush(&m->out);
	if (m->out.error && !m->out.broken) {
		fprintf(stderr, "%s: writing output: %s\n", PROGRAM, strerror(m->out.error));
		status = 1;
	}
	if (m->sink.finish(&m->sink) < 0)
		status = 1;
	if (metrics_finish(m->g) < 0)
		status = 1;
	if (m->opt->stats)
		stats_print(m->g, m->printed, (monotonic_ns() - start) / 1e9);
	/* Stopped early (--count, --duration, a signal): COMMAND runs on. */
	if (m->cmd.ended && !status)
		status = command_exit_status(&m->cmd);
	return status;
}

int monitor_run(const struct options *opt)
{
	static struct monitor m; /* the output buffer is large: not on the stack */
	uint64_t start, deadline = 0;
	int wake_fd = -1, r, status;

	m.opt = opt;
	/* No command yet: no pidfd (0 would be stdin, polled and closed). */
	m.cmd.pidfd = -1;
	notify_init();
	status = start_up(&m, &wake_fd);
	if (status)
		goto out;
	start = monotonic_ns();
	if (opt->duration > 0)
		deadline = start + (uint64_t)(opt->duration * 1e9);
	while (!m.stop && (!stop_requested || m.cmd.pid)) {
		r = turn(&m, wake_fd, deadline);
		if (r < 0)
			status = 1;
		if (r)
			break;
		if (follow_over(&m.follow) && (!m.cmd.pid || m.cmd.ended)) {
			/* One more round for what is queued: late thread exits. */
			m.ending = true;
			for (int i = 0; i < 64 && !m.stop && garlic_receive(m.g) > 0; i++)
				;
			break;
		}
	}
	status = finish(&m, status, start);
out:
	notify_stopping();
	command_close(&m.cmd);
	garlic_exit_joiner_free(m.joiner);
	garlic_taskstats_close(m.taskstats);
	garlic_close(m.g);
	out_close(&m.out);
	return status;
}
