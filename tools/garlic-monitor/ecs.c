// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --format=ecs: one Elastic Common Schema (ECS 8.11) document per line,
 * for SIEMs and log pipelines (Filebeat, Logstash, Vector, Fluent Bit)
 * that map ECS without configuration. What ECS has no name for goes
 * under garlic.*. The man page's FORMATS section has the mapping, with
 * the OpenTelemetry names beside it.
 *
 * process.entity_id names one process for its whole life and never two:
 * the first 16 bytes of SHA-256 over "BOOT_ID:PID:START_TICKS", in hex,
 * where START_TICKS is the kernel's start time of the process as
 * /proc/PID/stat gives it (field 22, clock ticks of CLOCK_BOOTTIME). A
 * pid is reused, a pid and its start time on one boot are not (short of
 * the pid space wrapping within one tick). The start time is learnt
 * once per process, the first way that works, and kept in the process
 * table until it exits, so every event of one process carries the same
 * id: the exec's snapshot (the library read stat when the exec came), else
 * /proc/PID/stat (a zombie still has it), else, for a child already
 * reaped when its fork is handled, the fork event's timestamp. That one is
 * CLOCK_MONOTONIC ns taken a few microseconds after the kernel stamped
 * the task's start; it is moved to CLOCK_BOOTTIME with the current
 * offset and cut to ticks, which gives stat's value unless a tick
 * boundary fell between the two stamps.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <garlic/process.h>

#include "clock.h"
#include "names.h"
#include "output.h"
#include "proc.h"
#include "sha256.h"
#include "sink.h"

#define ECS_VERSION "8.11.0"

/* What every document says about the host: read once. */
static char host_name[256];
static char boot_id[40];
static long ticks_per_second;
/* event.sequence: numbers this run's documents, from 1. */
static uint64_t sequence;

static void read_host(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot_id, sizeof(boot_id), f))
			boot_id[0] = '\0';
		boot_id[strcspn(boot_id, "\n")] = '\0';
		fclose(f);
	}
	if (gethostname(host_name, sizeof(host_name) - 1) < 0)
		host_name[0] = '\0';
	ticks_per_second = sysconf(_SC_CLK_TCK);
	if (ticks_per_second <= 0)
		ticks_per_second = 100;
}

/* A CLOCK_MONOTONIC time in ticks of CLOCK_BOOTTIME, as /proc/PID/stat counts. */
static uint64_t monotonic_to_ticks(uint64_t mono_ns)
{
	uint64_t offset = clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);

	return (mono_ns + offset) / (1000000000u / (uint64_t)ticks_per_second);
}

/* Ticks of CLOCK_BOOTTIME as wall-clock ns since the epoch. */
static uint64_t ticks_to_real(uint64_t ticks)
{
	uint64_t boot_ns = ticks * (1000000000u / (uint64_t)ticks_per_second);
	uint64_t boot_now = clock_ns(CLOCK_BOOTTIME), real_now = clock_ns(CLOCK_REALTIME);

	return boot_ns < boot_now ? real_now - (boot_now - boot_ns) : real_now;
}

/* The start time of process tgid, learnt once (see the top of this file). */
static uint64_t start_ticks(pid_t tgid, const struct row *r)
{
	const struct garlic_event *ev = r ? r->ev : NULL;
	struct proc *p = tgid > 0 ? proc_find(tgid) : NULL;
	uint64_t ticks = 0;

	if (tgid <= 0)
		return 0;
	if (p && p->start_ticks)
		return p->start_ticks;
	if (ev && ev->type == GARLIC_EVENT_EXEC && r->exec->proc &&
	    r->exec->proc->pid == tgid && r->exec->proc->stat_state == GARLIC_PROCESS_OK)
		ticks = r->exec->proc->start_ticks;
	if (!ticks)
		ticks = proc_read_start_ticks(tgid);
	if (!ticks && ev && ev->type == GARLIC_EVENT_FORK &&
	    ev->fork.child_pid == ev->fork.child_tgid && ev->fork.child_tgid == tgid)
		ticks = monotonic_to_ticks(ev->timestamp_ns);
	if (p)
		p->start_ticks = ticks;
	return ticks;
}

/* 32 hex digits; see the top of this file. */
static void entity_id(pid_t pid, uint64_t ticks, char id[33])
{
	static const char hex[] = "0123456789abcdef";
	char text[96];
	uint8_t digest[32];
	int n = snprintf(text, sizeof(text), "%s:%d:%llu", boot_id, (int)pid,
			 (unsigned long long)ticks);

	sha256(text, (size_t)n, digest);
	for (int i = 0; i < 16; i++) {
		id[2 * i] = hex[digest[i] >> 4];
		id[2 * i + 1] = hex[digest[i] & 15];
	}
	id[32] = '\0';
}

/* A JSON document written member by member; depth counts open objects. */
struct doc {
	struct out *o;
	int depth;
	bool first[8];
};

static void key(struct doc *d, const char *name)
{
	if (!d->first[d->depth])
		out_char(d->o, ',');
	d->first[d->depth] = false;
	out_char(d->o, '"');
	out_str(d->o, name);
	out_str(d->o, "\":");
}

static void open_obj(struct doc *d, const char *name)
{
	if (name)
		key(d, name);
	out_char(d->o, '{');
	d->first[++d->depth] = true;
}

static void close_obj(struct doc *d)
{
	out_char(d->o, '}');
	d->depth--;
}

static void member_str(struct doc *d, const char *name, const char *value, size_t n)
{
	key(d, name);
	out_json_str(d->o, value, n);
}

static void member_cstr(struct doc *d, const char *name, const char *value)
{
	if (value && *value)
		member_str(d, name, value, strlen(value));
}

static void member_i64(struct doc *d, const char *name, int64_t value)
{
	key(d, name);
	out_i64(d->o, value);
}

static void member_raw(struct doc *d, const char *name, const char *json)
{
	key(d, name);
	out_str(d->o, json);
}

/* ECS ids are keywords: strings, even when they are numbers. */
static void member_id(struct doc *d, const char *name, uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	member_str(d, name, text, strlen(text));
}

static void member_time(struct doc *d, const char *name, uint64_t real_ns)
{
	key(d, name);
	out_rfc3339_real(d->o, real_ns);
}

static void head(struct doc *d, uint64_t real_ns)
{
	open_obj(d, NULL);
	member_time(d, "@timestamp", real_ns);
	open_obj(d, "ecs");
	member_raw(d, "version", "\"" ECS_VERSION "\"");
	close_obj(d);
}

static void host(struct doc *d)
{
	open_obj(d, "host");
	member_cstr(d, "name", host_name);
	if (boot_id[0]) {
		open_obj(d, "boot");
		member_cstr(d, "id", boot_id);
		close_obj(d);
	}
	close_obj(d);
}

static void event_member(struct doc *d, const char *kind, const char *type, const char *action)
{
	open_obj(d, "event");
	member_raw(d, "kind", kind);
	if (type) {
		member_raw(d, "category", "[\"process\"]");
		key(d, "type");
		out_str(d->o, "[\"");
		out_str(d->o, type);
		out_str(d->o, "\"]");
	}
	member_str(d, "action", action, strlen(action));
	member_i64(d, "sequence", (int64_t)++sequence);
	member_raw(d, "module", "\"garlic\"");
	member_raw(d, "dataset", "\"garlic.process\"");
	close_obj(d);
}

static const char *event_type(uint32_t type)
{
	switch (type) {
	case GARLIC_EVENT_FORK:
	case GARLIC_EVENT_EXEC:
		return "start";
	case GARLIC_EVENT_EXIT:
		return "end";
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
	case GARLIC_EVENT_SID:
	case GARLIC_EVENT_COMM:
		return "change";
	default:
		return "info";
	}
}

/* The human line, without its newline: what a log viewer shows first. */
static void message(struct doc *d, const struct options *opt, const struct row *r)
{
	static struct out line;

	out_buffer(&line);
	human_line(&line, opt, r, false);
	if (line.len && line.buf[line.len - 1] == '\n')
		line.len--;
	member_str(d, "message", line.buf, line.len);
}

/* What the exec ran: process.executable, args, command_line, cwd. */
static void exec_process(struct doc *d, const struct row *r)
{
	const struct garlic_process *p = r->exec->proc;
	const char *arg, *end;
	unsigned int n = 0;

	if (p && p->exe_state == GARLIC_PROCESS_OK)
		member_cstr(d, "executable", p->exe);
	if (r->argv_why)
		goto cwd;
	key(d, "args");
	out_char(d->o, '[');
	arg = p->argv;
	end = p->argv + p->argv_len;
	for (; n < p->argc && arg < end; n++) {
		size_t len = strnlen(arg, end - arg);

		if (n)
			out_char(d->o, ',');
		out_json_str(d->o, arg, len);
		arg += len + 1;
	}
	out_char(d->o, ']');
	member_i64(d, "args_count", n);
	member_str(d, "command_line", r->cmdline, r->cmdline_len);
cwd:
	if (p && p->cwd_state == GARLIC_PROCESS_OK)
		member_cstr(d, "working_directory", p->cwd);
	if (p && p->argv_state != GARLIC_PROCESS_REPLACED && p->nspid_state == GARLIC_PROCESS_OK)
		member_i64(d, "vpid", p->ns_pid);
}

static void process(struct doc *d, const struct row *r)
{
	const struct garlic_event *ev = r->ev;
	bool process_exit = event_process_exit(ev);
	uint64_t ticks = start_ticks(r->tgid, r);
	uint64_t parent_ticks;
	char id[33];

	const struct proc *p = proc_find(r->tgid);
	pid_t ppid = r->ppid;

	/* A thread's parent column is its process: the process's own is wanted. */
	if (ppid == r->tgid)
		ppid = p ? p->ppid : 0;
	open_obj(d, "process");
	member_i64(d, "pid", r->tgid);
	open_obj(d, "thread");
	member_i64(d, "id", r->pid);
	/* A thread renamed itself: its name, not its process's. */
	if (ev->type == GARLIC_EVENT_COMM && r->pid != r->tgid)
		member_cstr(d, "name", ev->comm.command);
	close_obj(d);
	if (ev->type == GARLIC_EVENT_COMM && r->pid != r->tgid)
		member_cstr(d, "name", p ? p->comm : NULL);
	else
		member_cstr(d, "name", r->comm);
	if (ev->type == GARLIC_EVENT_EXEC)
		exec_process(d, r);
	if (process_exit && WIFEXITED((int)ev->exit.exit_code))
		member_i64(d, "exit_code", WEXITSTATUS((int)ev->exit.exit_code));
	if (ticks) {
		entity_id(r->tgid, ticks, id);
		member_str(d, "entity_id", id, 32);
		member_time(d, "start", ticks_to_real(ticks));
	}
	if (process_exit)
		member_time(d, "end", garlic_realtime_ns(ev->timestamp_ns));
	if (ppid > 0) {
		open_obj(d, "parent");
		member_i64(d, "pid", ppid);
		parent_ticks = start_ticks(ppid, NULL);
		if (parent_ticks) {
			entity_id(ppid, parent_ticks, id);
			member_str(d, "entity_id", id, 32);
		}
		if (ev->type == GARLIC_EVENT_FORK && r->pid == r->tgid)
			member_cstr(d, "name", r->parent_comm);
		close_obj(d);
	}
	close_obj(d);
}

static void user_group(struct doc *d, bool user, uint32_t real, uint32_t effective)
{
	const char *name = user ? user_name(real) : group_name(real);

	open_obj(d, user ? "user" : "group");
	member_id(d, "id", real);
	member_cstr(d, "name", name);
	if (user) {
		open_obj(d, "effective");
		member_id(d, "id", effective);
		member_cstr(d, "name", user_name(effective));
		close_obj(d);
	}
	close_obj(d);
}

/* The ids: from the uid or gid event itself, or from the exec's snapshot. */
static void ids(struct doc *d, const struct row *r, uint32_t *egid, bool *have_egid)
{
	const struct garlic_event *ev = r->ev;
	const struct garlic_process *p = ev->type == GARLIC_EVENT_EXEC ? r->exec->proc : NULL;

	*have_egid = false;
	if (ev->type == GARLIC_EVENT_UID) {
		user_group(d, true, ev->uid.real_id, ev->uid.effective_id);
	} else if (ev->type == GARLIC_EVENT_GID) {
		user_group(d, false, ev->gid.real_id, 0);
		*egid = ev->gid.effective_id;
		*have_egid = true;
	} else if (p && p->argv_state != GARLIC_PROCESS_REPLACED &&
		   p->ids_state == GARLIC_PROCESS_OK) {
		user_group(d, true, p->ruid, p->euid);
		user_group(d, false, p->rgid, 0);
		*egid = p->egid;
		*have_egid = true;
	}
}

/* What ECS has no name for. */
static void garlic(struct doc *d, const struct row *r, uint32_t egid, bool have_egid)
{
	const struct garlic_event *ev = r->ev;
	const struct exec_info *x = ev->type == GARLIC_EVENT_EXEC ? r->exec : NULL;
	const struct garlic_process *p = x ? x->proc : NULL;
	bool replaced = p && p->argv_state == GARLIC_PROCESS_REPLACED;
	int status = (int)ev->exit.exit_code;

	open_obj(d, "garlic");
	member_i64(d, "cpu", ev->cpu);
	member_i64(d, "seq", ev->seq);
	member_i64(d, "timestamp_ns", (int64_t)ev->timestamp_ns);
	if (have_egid)
		member_id(d, "egid", egid);
	if (r->prev_comm)
		member_cstr(d, "previous_name", r->prev_comm);
	switch (ev->type) {
	case GARLIC_EVENT_EXEC:
		if (r->argv_why)
			member_cstr(d, "argv_unavailable", r->argv_why);
		else if (p->argv_truncated)
			member_raw(d, "argv_truncated", "true");
		if (p && !replaced && p->cgroup_state == GARLIC_PROCESS_OK)
			member_cstr(d, "cgroup", p->cgroup);
		if (x->unit && !replaced)
			member_str(d, "unit", x->unit, x->unit_len);
		break;
	case GARLIC_EVENT_PTRACE:
		member_i64(d, "tracer_pid", ev->ptrace.tracer_tgid);
		break;
	case GARLIC_EVENT_EXIT:
		member_i64(d, "exit_status", ev->exit.exit_code);
		member_cstr(d, "status", r->status);
		if (WIFSIGNALED(status)) {
			const char *name = sigabbrev_np(WTERMSIG(status));
			char text[16];

			snprintf(text, sizeof(text), "SIG%s", name ? name : "?");
			member_cstr(d, "signal", text);
			member_raw(d, "core_dumped", WCOREDUMP(status) ? "true" : "false");
		}
		if (r->lifetime_ns >= 0)
			member_i64(d, "lifetime_ns", r->lifetime_ns);
		break;
	}
	close_obj(d);
}

static void ecs_event(struct sink *sk, const struct row *r)
{
	const struct garlic_event *ev = r->ev;
	const char *action = garlic_event_name(ev->type);
	const struct exec_info *x = ev->type == GARLIC_EVENT_EXEC ? r->exec : NULL;
	struct doc d = { .o = sk->out };
	uint32_t egid = 0;
	bool have_egid;

	head(&d, garlic_realtime_ns(ev->timestamp_ns));
	message(&d, sk->opt, r);
	event_member(&d, "\"event\"", event_type(ev->type), action ? action : "unknown");
	process(&d, r);
	ids(&d, r, &egid, &have_egid);
	if (x && x->container && !(x->proc && x->proc->argv_state == GARLIC_PROCESS_REPLACED)) {
		open_obj(&d, "container");
		member_str(&d, "id", x->container, 64);
		close_obj(&d);
	}
	host(&d);
	garlic(&d, r, egid, have_egid);
	close_obj(&d);
	out_char(sk->out, '\n');
	out_event_done(sk->out);
}

/*
 * A loss is a document too: ECS's pipeline_error kind says "data may be
 * missing", which is what it means.
 */
static void ecs_lost(struct sink *sk, const struct garlic_loss *loss)
{
	const char *cause = loss->cause == GARLIC_LOSS_OVERRUN ? "overrun" : "sequence";
	struct doc d = { .o = sk->out };
	char text[160];
	int n;

	head(&d, clock_ns(CLOCK_REALTIME));
	n = snprintf(text, sizeof(text), "lost %llu process events (%s), %llu in all",
		     (unsigned long long)loss->lost,
		     loss->cause == GARLIC_LOSS_OVERRUN ? "receive buffer overflow"
							: "the kernel failed to send",
		     (unsigned long long)loss->total_lost);
	member_str(&d, "message", text, (size_t)n);
	event_member(&d, "\"pipeline_error\"", NULL, "lost");
	host(&d);
	open_obj(&d, "garlic");
	open_obj(&d, "loss");
	member_i64(&d, "lost", (int64_t)loss->lost);
	member_i64(&d, "total", (int64_t)loss->total_lost);
	member_str(&d, "cause", cause, strlen(cause));
	close_obj(&d);
	close_obj(&d);
	close_obj(&d);
	out_char(sk->out, '\n');
}

static int ecs_finish(struct sink *sk)
{
	return 0;
}

void ecs_sink(struct sink *sk)
{
	read_host();
	sk->event = ecs_event;
	sk->lost = ecs_lost;
	sk->finish = ecs_finish;
}
