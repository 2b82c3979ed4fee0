// SPDX-License-Identifier: LGPL-2.1-or-later
/* The human format: aligned columns and a detail that reads naturally. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <garlic/process.h>

#include "clock.h"
#include "names.h"
#include "output.h"
#include "sink.h"

#define COLOR_RESET "\033[0m"

static const char *color_of(uint32_t type, uint32_t exit_code)
{
	switch (type) {
	case GARLIC_EVENT_FORK:
		return "\033[36m"; /* cyan */
	case GARLIC_EVENT_EXEC:
		return "\033[1;32m"; /* bold green */
	case GARLIC_EVENT_EXIT:
		return exit_code ? "\033[31m" : "\033[2m"; /* red / dim */
	case GARLIC_EVENT_COREDUMP:
		return "\033[1;31m";
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
	case GARLIC_EVENT_PTRACE:
		return "\033[33m"; /* yellow: privilege and tracing */
	default:
		return "\033[35m";
	}
}

/* --time relative counts from here: the sink's start, or the first line. */
static uint64_t time_origin_ns;

/* Seconds since the monitor started, to the microsecond, in 12 columns. */
static void out_relative(struct out *o, uint64_t timestamp_ns)
{
	char buf[32];
	int64_t ns;

	if (!time_origin_ns)
		time_origin_ns = monotonic_ns();
	/* An event queued just before the start is a little negative: so be it. */
	ns = (int64_t)(timestamp_ns - time_origin_ns);
	snprintf(buf, sizeof(buf), "%12.6f", ns / 1e9);
	out_str(o, buf);
}

/*
 * The seconds part of a wall-clock time, and what follows the
 * milliseconds (a Z, an offset), for the format asked for.
 */
static void clock_parts(const struct options *opt, time_t sec, char *head, size_t size,
			char *tail)
{
	struct tm tm;
	long off;

	if (opt->time == TIME_FORMAT_UTC)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	if (opt->time == TIME_FORMAT_ISO)
		strftime(head, size, "%Y-%m-%dT%H:%M:%S", &tm);
	else if (opt->time_date)
		strftime(head, size, "%Y-%m-%d %H:%M:%S", &tm);
	else
		strftime(head, size, "%H:%M:%S", &tm);
	tail[0] = '\0';
	if (opt->time == TIME_FORMAT_UTC) {
		strcpy(tail, "Z");
	} else if (opt->time == TIME_FORMAT_ISO) {
		/* RFC 3339 wants the colon that strftime's %z leaves out. */
		off = labs(tm.tm_gmtoff / 60) % (24 * 60);
		snprintf(tail, 8, "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+', (int)(off / 60),
			 (int)(off % 60));
	}
}

/* The event's time as --time asks, followed by a space; nothing for none. */
static void out_time(struct out *o, const struct options *opt, uint64_t timestamp_ns)
{
	static time_t cached_second = -1;
	static char head[32], tail[8];
	uint64_t real;
	time_t sec;
	unsigned int ms;

	if (opt->time == TIME_FORMAT_NONE)
		return;
	if (opt->time == TIME_FORMAT_RELATIVE) {
		out_relative(o, timestamp_ns);
		out_char(o, ' ');
		return;
	}
	real = garlic_realtime_ns(timestamp_ns);
	sec = real / 1000000000u;
	ms = real / 1000000u % 1000;
	/* localtime_r() is slow (it may even stat the zone file): once a second. */
	if (sec != cached_second) {
		clock_parts(opt, sec, head, sizeof(head), tail);
		cached_second = sec;
	}
	out_str(o, head);
	out_char(o, '.');
	out_char(o, '0' + ms / 100);
	out_char(o, '0' + ms / 10 % 10);
	out_char(o, '0' + ms % 10);
	out_str(o, tail);
	out_char(o, ' ');
}

/* How wide out_time() writes, its space included. */
static int time_width(const struct options *opt)
{
	switch (opt->time) {
	case TIME_FORMAT_NONE:
		return 0;
	case TIME_FORMAT_RELATIVE:
		return 13;
	case TIME_FORMAT_ISO:
		return 30; /* 2026-11-30T15:32:14.123+00:00 */
	default:
		return (opt->time_date ? 24 : 13) + (opt->time == TIME_FORMAT_UTC);
	}
}

static void out_id(struct out *o, const char *what, uint32_t id, const char *name)
{
	out_str(o, what);
	out_char(o, ' ');
	out_u64(o, id);
	/* Names come from NSS (LDAP, a daemon): quoted like any other text. */
	if (name && *name) {
		out_str(o, " (");
		out_shell_word(o, name, strlen(name));
		out_char(o, ')');
	}
}

static void out_lifetime(struct out *o, int64_t ns)
{
	char buf[32];

	if (ns < 0)
		return;
	if (ns < 1000000000)
		snprintf(buf, sizeof(buf), ", after %.1f ms", ns / 1e6);
	else
		snprintf(buf, sizeof(buf), ", after %.3f s", ns / 1e9);
	out_str(o, buf);
}

static void out_bytes(struct out *o, uint64_t bytes)
{
	char buf[32];

	if (bytes < 1024)
		snprintf(buf, sizeof(buf), "%lu B", (unsigned long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, sizeof(buf), "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, sizeof(buf), "%.1f MiB", bytes / 1048576.0);
	out_str(o, buf);
}

/* --taskstats: what the process cost. */
static void out_stats(struct out *o, const struct garlic_taskstats *t)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "; cpu %.1f ms user %.1f ms sys, max rss %lu KiB, io ",
		 t->user_us / 1e3, t->system_us / 1e3, (unsigned long)t->hiwater_rss_kib);
	out_str(o, buf);
	out_bytes(o, t->read_chars);
	out_str(o, " read ");
	out_bytes(o, t->write_chars);
	out_str(o, " written");
}

/* A process name, quoted as a shell word; "?" when nothing names it. */
static void out_name(struct out *o, const char *name)
{
	if (name && *name)
		out_shell_word(o, name, strlen(name));
	else
		out_char(o, '?');
}

/* Two spaces before the first " key=value" after argv, then one. */
static void out_key(struct out *o, const char *key, bool *first)
{
	out_str(o, *first ? "  " : " ");
	*first = false;
	out_str(o, key);
	out_char(o, '=');
}

/* " key=value", the value quoted as a shell word. */
static void out_kv(struct out *o, const char *key, const char *value, size_t n, bool *first)
{
	out_key(o, key, first);
	out_shell_word(o, value, n);
}

static void out_user(struct out *o, const char *key, uint32_t uid, bool *first)
{
	const char *name = user_name(uid);

	out_key(o, key, first);
	if (*name)
		out_shell_word(o, name, strlen(name));
	else
		out_u64(o, uid);
}

static const char *unavailable_text(const char *why)
{
	if (!strcmp(why, "zombie") || !strcmp(why, "gone"))
		return "[exited]";
	if (!strcmp(why, "replaced"))
		return "[replaced by a later exec]";
	if (!strcmp(why, "kernel_thread"))
		return "[kernel thread]";
	if (!strcmp(why, "denied"))
		return "[no permission]";
	return "[unreadable]";
}

/* argv word by word, "…" when cut; or, argv gone, what still names the program. */
static void out_exec_argv(struct out *o, const struct row *s)
{
	const struct garlic_process *p = s->exec->proc;
	const char *why = s->argv_why;

	if (!why && p->argc == 0) {
		/* It emptied its own command line (prctl(PR_SET_MM)). */
		out_str(o, "[empty argv] ");
		out_name(o, s->comm);
	} else if (!why) {
		const char *arg = p->argv, *end = p->argv + p->argv_len;

		for (unsigned int i = 0; i < p->argc && arg < end; i++) {
			size_t n = strnlen(arg, end - arg);

			if (i)
				out_char(o, ' ');
			out_shell_word(o, arg, n);
			arg += n + 1;
		}
		if (p->argv_truncated)
			out_str(o, "\u2026");
	} else {
		out_str(o, unavailable_text(why));
		out_char(o, ' ');
		if (s->comm_from_exec) {
			out_name(o, s->comm);
		} else if (s->prev_comm) {
			out_str(o, "(before this exec: ");
			out_name(o, s->prev_comm);
			out_char(o, ')');
		} else {
			out_str(o, "(name unknown)");
		}
	}
}

/* --context: where it runs. */
static void out_exec_context(struct out *o, const struct exec_info *x, bool *first)
{
	const struct garlic_process *p = x->proc;

	if (p->exe_state == GARLIC_PROCESS_OK)
		out_kv(o, "exe", p->exe, strlen(p->exe), first);
	if (p->cwd_state == GARLIC_PROCESS_OK)
		out_kv(o, "cwd", p->cwd, strlen(p->cwd), first);
	if (p->cgroup_state == GARLIC_PROCESS_OK)
		out_kv(o, "cgroup", p->cgroup, strlen(p->cgroup), first);
	if (x->unit)
		out_kv(o, "unit", x->unit, x->unit_len, first);
	if (x->container)
		out_kv(o, "container", x->container, 64, first);
	if (p->nspid_state == GARLIC_PROCESS_OK && p->ns_level > 0) {
		out_key(o, "nspid", first);
		out_u64(o, (uint32_t)p->ns_pid);
	}
}

/* The exec detail: what ran, then who runs it and, with --context, where. */
static void out_exec(struct out *o, const struct options *opt, const struct row *s)
{
	const struct garlic_process *p = s->exec->proc;
	bool first = true;

	out_exec_argv(o, s);
	/* Another program's, or nothing to tell. */
	if (!p || p->argv_state == GARLIC_PROCESS_REPLACED)
		return;
	if (p->ids_state == GARLIC_PROCESS_OK) {
		out_user(o, "user", p->euid, &first);
		if (p->ruid != p->euid)
			out_user(o, "ruser", p->ruid, &first);
	}
	if (opt->context)
		out_exec_context(o, s->exec, &first);
}

/*
 * What happened, after the columns. A case an event kind: long, but each
 * case is a few lines that stand alone, and a table of handlers would only
 * spread one line's format over nine functions.
 */
static void human_detail(struct out *o, const struct options *opt, const struct row *s)
{
	const struct garlic_event *ev = s->ev;

	/* Each line of a process as deep as its process is in the tree. */
	for (unsigned int i = 0; opt->tree && i < s->depth; i++)
		out_str(o, "  ");
	/* Every line but fork and exec: "name: what happened". */
	if (ev->type != GARLIC_EVENT_FORK && ev->type != GARLIC_EVENT_EXEC &&
	    ev->type != GARLIC_EVENT_COMM) {
		out_name(o, s->comm);
		out_str(o, ": ");
	}
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		/*
		 * For a new thread the kernel's parent is the process's own
		 * parent, not the creator: the creator is the thread group.
		 */
		if (ev->fork.child_pid != ev->fork.child_tgid) {
			out_u64(o, (uint32_t)ev->fork.child_tgid);
			out_char(o, ' ');
			out_name(o, s->comm);
			out_str(o, " \u2192 ");
			out_u64(o, (uint32_t)ev->fork.child_pid);
			out_str(o, " thread");
		} else {
			out_u64(o, (uint32_t)ev->fork.parent_tgid);
			out_char(o, ' ');
			out_name(o, s->parent_comm);
			out_str(o, " \u2192 ");
			out_u64(o, (uint32_t)ev->fork.child_pid);
			out_char(o, ' ');
			out_name(o, s->comm);
		}
		break;
	case GARLIC_EVENT_EXEC:
		out_exec(o, opt, s);
		break;
	case GARLIC_EVENT_UID:
		out_id(o, "ruid", ev->uid.real_id, user_name(ev->uid.real_id));
		out_char(o, ' ');
		out_id(o, "euid", ev->uid.effective_id, user_name(ev->uid.effective_id));
		break;
	case GARLIC_EVENT_GID:
		out_id(o, "rgid", ev->gid.real_id, group_name(ev->gid.real_id));
		out_char(o, ' ');
		out_id(o, "egid", ev->gid.effective_id, group_name(ev->gid.effective_id));
		break;
	case GARLIC_EVENT_SID:
		out_str(o, "new session");
		break;
	case GARLIC_EVENT_PTRACE:
		if (ev->ptrace.tracer_pid) {
			out_str(o, "attach by ");
			out_u64(o, (uint32_t)ev->ptrace.tracer_tgid);
		} else {
			out_str(o, "detach");
		}
		break;
	case GARLIC_EVENT_COMM:
		out_name(o, s->prev_comm);
		out_str(o, " \u2192 ");
		out_name(o, ev->comm.command);
		if (ev->pid != ev->tgid)
			out_str(o, " (thread)");
		break;
	case GARLIC_EVENT_COREDUMP:
		out_str(o, "dumping core");
		break;
	case GARLIC_EVENT_EXIT:
		out_str(o, s->status);
		if (ev->exit.process_pid != ev->exit.process_tgid)
			out_str(o, " (thread)");
		out_lifetime(o, s->lifetime_ns);
		if (s->stats)
			out_stats(o, s->stats);
		break;
	default:
		out_str(o, "unknown event kind");
	}
}

void human_line(struct out *o, const struct options *opt, const struct row *s, bool color)
{
	const struct garlic_event *ev = s->ev;
	const char *name = garlic_event_name(ev->type);
	char buf[64];

	if (color)
		out_str(o, color_of(ev->type, ev->exit.exit_code));
	out_time(o, opt, ev->timestamp_ns);
	if (name) {
		out_pad(o, name, 8);
	} else {
		snprintf(buf, sizeof(buf), "0x%x", ev->type);
		out_pad(o, buf, 8);
	}
	out_u64_pad(o, (uint32_t)s->pid, 7);
	out_char(o, ' ');
	if (s->ppid > 0)
		out_u64_pad(o, (uint32_t)s->ppid, 7);
	else
		out_pad(o, "      -", 7);
	out_str(o, "  ");

	human_detail(o, opt, s);
	if (color)
		out_str(o, COLOR_RESET);
	out_char(o, '\n');
}

static void human_lost(struct sink *sk, const struct garlic_loss *loss)
{
	struct out *o = sk->out;
	const struct options *opt = sk->opt;

	if (opt->color)
		out_str(o, "\033[1;41m");
	out_str(o, "-- lost ");
	if (loss->lost) {
		out_u64(o, loss->lost);
		out_str(o, " events");
	} else {
		out_str(o, "events (how many the kernel could not say)");
	}
	out_str(o, loss->cause == GARLIC_LOSS_OVERRUN ? " (receive buffer overflow)"
						       : " (the kernel failed to send them)");
	out_str(o, ", ");
	out_u64(o, loss->total_lost);
	out_str(o, " in all --");
	if (opt->color)
		out_str(o, COLOR_RESET);
	out_char(o, '\n');
}

static void human_event(struct sink *sk, const struct row *r)
{
	human_line(sk->out, sk->opt, r, sk->opt->color);
	out_event_done(sk->out);
}

static int human_finish(struct sink *sk)
{
	return 0;
}

/* A column header, as ps prints one, the columns aligned with the lines'. */
static void human_header(struct out *o, const struct options *opt)
{
	int width = time_width(opt);

	if (width)
		out_pad(o, "TIME", width);
	out_pad(o, "EVENT", 8);
	out_str(o, "    PID    PPID  ");
	out_str(o, "WHAT");
	out_char(o, '\n');
}

void human_sink(struct sink *sk)
{
	time_origin_ns = monotonic_ns();
	if (sk->opt->header && !sk->opt->quiet)
		human_header(sk->out, sk->opt);
	sk->event = human_event;
	sk->lost = human_lost;
	sk->finish = human_finish;
}
