// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON lines, compatible with the Go package's ProcEvent (event_string,
 * event, cpu, timestamp, event_data with its field names) with its tag
 * typos fixed, plus timestamp_ns, seq and the fields Go lacked.
 */
#include <string.h>
#include <time.h>

#include <garlic/process.h>

#include "clock.h"
#include "names.h"
#include "output.h"
#include "sink.h"

/* RFC 3339, UTC, nanoseconds: 2026-11-25T03:16:46.123456789Z */
void out_rfc3339_real(struct out *o, uint64_t real)
{
	static time_t cached_second = -1;
	static char cached[24];
	time_t sec = real / 1000000000u;
	uint32_t ns = real % 1000000000u;
	char frac[10];

	if (sec != cached_second) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_second = sec;
	}
	for (int i = 8; i >= 0; i--, ns /= 10)
		frac[i] = '0' + ns % 10;
	frac[9] = '\0';
	out_char(o, '"');
	out_str(o, cached);
	out_char(o, '.');
	out_str(o, frac);
	out_str(o, "Z\"");
}

/* The same for an event's timestamp (CLOCK_MONOTONIC). */
static void out_rfc3339(struct out *o, uint64_t timestamp_ns)
{
	out_rfc3339_real(o, garlic_realtime_ns(timestamp_ns));
}

static void field(struct out *o, const char *name, int64_t value, bool first)
{
	if (!first)
		out_char(o, ',');
	out_char(o, '"');
	out_str(o, name);
	out_str(o, "\":");
	out_i64(o, value);
}

static void pids(struct out *o, const struct garlic_event *ev)
{
	field(o, "process_pid", ev->exec.process_pid, true);
	field(o, "process_tgid", ev->exec.process_tgid, false);
}

static void member(struct out *o, const char *name)
{
	out_str(o, ",\"");
	out_str(o, name);
	out_str(o, "\":");
}

static void member_str(struct out *o, const char *name, const char *value)
{
	member(o, name);
	out_json_cstr(o, value);
}

/*
 * What the exec ran: argv element by element, and what the kernel holds
 * about the process (null for what could not be read).
 */
static void json_exec(struct out *o, const struct row *s)
{
	const struct exec_info *x = s->exec;
	const struct garlic_process *p = x->proc;
	const char *why = s->argv_why;
	bool replaced = p && p->argv_state == GARLIC_PROCESS_REPLACED;
	bool ids = p && !replaced && p->ids_state == GARLIC_PROCESS_OK;
	const char *user = ids ? user_name(p->euid) : "";

	member(o, "argv");
	if (why) {
		out_str(o, "null");
	} else {
		const char *arg = p->argv, *end = p->argv + p->argv_len;

		out_char(o, '[');
		for (unsigned int i = 0; i < p->argc && arg < end; i++) {
			size_t n = strnlen(arg, end - arg);

			if (i)
				out_char(o, ',');
			out_json_str(o, arg, n);
			arg += n + 1;
		}
		out_char(o, ']');
	}
	member(o, "argv_truncated");
	out_str(o, !why && p->argv_truncated ? "true" : "false");
	member_str(o, "argv_unavailable", why);
	member_str(o, "previous_comm", s->prev_comm);
	member(o, "ruid");
	ids ? out_u64(o, p->ruid) : out_str(o, "null");
	member(o, "euid");
	ids ? out_u64(o, p->euid) : out_str(o, "null");
	member_str(o, "user", *user ? user : NULL);
	member_str(o, "exe", p && p->exe_state == GARLIC_PROCESS_OK ? p->exe : NULL);
	member_str(o, "cwd", p && p->cwd_state == GARLIC_PROCESS_OK ? p->cwd : NULL);
	member_str(o, "cgroup",
		   p && !replaced && p->cgroup_state == GARLIC_PROCESS_OK ? p->cgroup : NULL);
	member(o, "unit");
	if (x->unit && !replaced)
		out_json_str(o, x->unit, x->unit_len);
	else
		out_str(o, "null");
	member(o, "container");
	if (x->container && !replaced)
		out_json_str(o, x->container, 64);
	else
		out_str(o, "null");
	member(o, "ns_pid");
	if (p && !replaced && p->nspid_state == GARLIC_PROCESS_OK)
		out_u64(o, (uint32_t)p->ns_pid);
	else
		out_str(o, "null");
}

/* event_data: the Go package's members for each kind. */
static void event_data(struct out *o, const struct garlic_event *ev)
{
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		field(o, "parent_pid", ev->fork.parent_pid, true);
		field(o, "parent_tgid", ev->fork.parent_tgid, false);
		field(o, "child_pid", ev->fork.child_pid, false);
		field(o, "child_tgid", ev->fork.child_tgid, false);
		break;
	case GARLIC_EVENT_EXEC:
	case GARLIC_EVENT_SID:
		pids(o, ev);
		break;
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
		pids(o, ev);
		field(o, "real_id", ev->uid.real_id, false);
		field(o, "effective_id", ev->uid.effective_id, false);
		break;
	case GARLIC_EVENT_PTRACE:
		pids(o, ev);
		field(o, "tracer_pid", ev->ptrace.tracer_pid, false);
		field(o, "tracer_tgid", ev->ptrace.tracer_tgid, false);
		break;
	case GARLIC_EVENT_COMM:
		pids(o, ev);
		out_str(o, ",\"command\":");
		out_json_str(o, ev->comm.command, strlen(ev->comm.command));
		break;
	case GARLIC_EVENT_COREDUMP:
		pids(o, ev);
		field(o, "parent_pid", ev->coredump.parent_pid, false);
		field(o, "parent_tgid", ev->coredump.parent_tgid, false);
		break;
	case GARLIC_EVENT_EXIT:
		pids(o, ev);
		field(o, "exit_code", ev->exit.exit_code, false);
		field(o, "exit_signal", ev->exit.exit_signal, false);
		field(o, "parent_pid", ev->exit.parent_pid, false);
		field(o, "parent_tgid", ev->exit.parent_tgid, false);
		break;
	default:
		pids(o, ev);
	}
}

/* --taskstats: what the process cost, as the kernel counted it. */
static void json_taskstats(struct out *o, const struct garlic_taskstats *t)
{
	out_str(o, ",\"taskstats\":{");
	field(o, "version", t->version, true);
	field(o, "user_us", (int64_t)t->user_us, false);
	field(o, "system_us", (int64_t)t->system_us, false);
	field(o, "elapsed_us", (int64_t)t->elapsed_us, false);
	field(o, "hiwater_rss_kib", (int64_t)t->hiwater_rss_kib, false);
	field(o, "hiwater_vm_kib", (int64_t)t->hiwater_vm_kib, false);
	field(o, "read_chars", (int64_t)t->read_chars, false);
	field(o, "write_chars", (int64_t)t->write_chars, false);
	field(o, "read_bytes", (int64_t)t->read_bytes, false);
	field(o, "write_bytes", (int64_t)t->write_bytes, false);
	field(o, "voluntary_switches", (int64_t)t->voluntary_switches, false);
	field(o, "involuntary_switches", (int64_t)t->involuntary_switches, false);
	field(o, "minor_faults", (int64_t)t->minor_faults, false);
	field(o, "major_faults", (int64_t)t->major_faults, false);
	field(o, "cpu_delay_ns", (int64_t)t->cpu_delay_ns, false);
	field(o, "blkio_delay_ns", (int64_t)t->blkio_delay_ns, false);
	out_str(o, ",\"comm\":");
	out_json_str(o, t->comm, strlen(t->comm));
	out_char(o, '}');
}

/* One event: the Go package's members, then names, then the exec or the exit. */
static void json_line(struct out *o, const struct row *s)
{
	const struct garlic_event *ev = s->ev;
	const char *name = garlic_event_name(ev->type);

	out_str(o, "{\"event_string\":");
	if (name)
		out_json_str(o, name, strlen(name));
	else
		out_str(o, "\"unknown\"");
	field(o, "event", ev->type, false);
	field(o, "cpu", ev->cpu, false);
	out_str(o, ",\"timestamp\":");
	out_rfc3339(o, ev->timestamp_ns);
	field(o, "timestamp_ns", (int64_t)ev->timestamp_ns, false);
	field(o, "seq", ev->seq, false);
	out_str(o, ",\"event_data\":{");
	event_data(o, ev);
	out_char(o, '}');
	/* Names of the processes: members added after the Go package's. */
	member_str(o, "comm", s->comm);
	if (ev->type == GARLIC_EVENT_FORK)
		member_str(o, "parent_comm", s->parent_comm);
	if (ev->type == GARLIC_EVENT_COMM)
		member_str(o, "previous_comm", s->prev_comm);
	if (ev->type == GARLIC_EVENT_EXEC) {
		out_str(o, ",\"cmdline\":");
		out_json_str(o, s->cmdline, s->cmdline_len);
		json_exec(o, s);
	}
	if (ev->type == GARLIC_EVENT_EXIT) {
		out_str(o, ",\"status\":");
		out_json_str(o, s->status, strlen(s->status));
		if (s->lifetime_ns >= 0)
			field(o, "lifetime_ns", s->lifetime_ns, false);
		if (s->stats)
			json_taskstats(o, s->stats);
	}
	out_str(o, "}\n");
}

static void json_lost(struct sink *sk, const struct garlic_loss *loss)
{
	struct out *o = sk->out;

	out_str(o, "{\"event_string\":\"lost\",\"timestamp\":");
	out_rfc3339(o, monotonic_ns());
	field(o, "lost", (int64_t)loss->lost, false);
	field(o, "total_lost", (int64_t)loss->total_lost, false);
	out_str(o, loss->cause == GARLIC_LOSS_OVERRUN ? ",\"cause\":\"overrun\"}\n"
						       : ",\"cause\":\"sequence\"}\n");
}

static void json_event(struct sink *sk, const struct row *r)
{
	json_line(sk->out, r);
	out_event_done(sk->out);
}

static int json_finish(struct sink *sk)
{
	return 0;
}

void json_sink(struct sink *sk)
{
	sk->event = json_event;
	sk->lost = json_lost;
	sk->finish = json_finish;
}
