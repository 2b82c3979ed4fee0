// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --journal: each event as one journal entry with structured fields, so
 * that `journalctl GARLIC_EVENT=exit -o json` finds them and any log
 * shipper forwards them. MESSAGE= is the human line (human_line()); the
 * GARLIC_* fields carry what the JSON line carries. The fields and the
 * MESSAGE_IDs are documented in garlic-monitor(1), JOURNAL: the ids are
 * an interface and never change.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <garlic/process.h>

#include "names.h"
#include "options.h"
#include "output.h"
#include "signals.h"
#include "sink.h"

#ifdef HAVE_SYSTEMD
/* The entries are the events': no CODE_FILE= of ours in them. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

/* Where sd_journal_sendv() writes: fixed in libsystemd. */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/*
 * journald drops a whole entry of more than 1024 fields (its own
 * included): an argv longer than this gives its first arguments as
 * fields, and all of them in GARLIC_ARGC and GARLIC_ARGV_JSON.
 */
#define MAX_ARGV_FIELDS 512
#define MAX_FIELDS (80 + MAX_ARGV_FIELDS)

/* One per kind of event, never changed: journalctl MESSAGE_ID=... */
#define ID_FORK "MESSAGE_ID=403c2ef034234dbda6876ff6291b2517"
#define ID_EXEC "MESSAGE_ID=92814d519bbd4a34b6132fbc60d8c971"
#define ID_EXIT "MESSAGE_ID=d9f387ff341a402291313105b2029cde"
#define ID_UID "MESSAGE_ID=b2aa3250f8534e7cbed84bd72ef0ff0c"
#define ID_GID "MESSAGE_ID=c20e492889804b2aa2baa5a533d599c0"
#define ID_SID "MESSAGE_ID=10af8dbbef4b43bcb85b1b43b80afcf0"
#define ID_PTRACE "MESSAGE_ID=e17507a153eb448ea4e4cf81a885e66a"
#define ID_COMM "MESSAGE_ID=b9b5b73fe1884ea6865634d54c63dfd9"
#define ID_COREDUMP "MESSAGE_ID=75786e251dec4413944d183eba81a9d9"
#define ID_OTHER "MESSAGE_ID=d1a0cf4fabbc4801b03bfe965276f613"
#define ID_LOST "MESSAGE_ID=7947d94545fd4e1bb25c336273c9580f"

/* syslog(3) priorities */
enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_NOTICE = 5, PRIO_INFO = 6 };

/*
 * The entry being built: "NAME=value" strings back to back in one
 * grow-only buffer, kept from entry to entry; iovecs point into it only
 * once it is complete (a realloc moves it).
 */
struct entry {
	struct iovec iov[MAX_FIELDS];
	size_t off[MAX_FIELDS];
	size_t n;
	char *buf;
	size_t len, size;
	bool nomem;
};

static struct entry entry;

static bool reserve(struct entry *e, size_t more)
{
	size_t size = e->size ? e->size : 16384;
	char *buf;

	if (e->len + more <= e->size)
		return true;
	while (size < e->len + more)
		size *= 2;
	buf = realloc(e->buf, size);
	if (!buf) {
		e->nomem = true;
		return false;
	}
	e->buf = buf;
	e->size = size;
	return true;
}

/* NAME=value, value n bytes of anything (newlines too: sendv copes). */
static void put(struct entry *e, const char *name, const char *value, size_t n)
{
	size_t name_len = strlen(name);

	if (e->n == MAX_FIELDS || !reserve(e, name_len + 1 + n))
		return;
	e->off[e->n] = e->len;
	memcpy(e->buf + e->len, name, name_len);
	e->buf[e->len + name_len] = '=';
	memcpy(e->buf + e->len + name_len + 1, value, n);
	e->iov[e->n].iov_len = name_len + 1 + n;
	e->len += name_len + 1 + n;
	e->n++;
}

/* A field that is already "NAME=value". */
static void put_field(struct entry *e, const char *field)
{
	const char *eq = strchr(field, '=');
	char name[64];
	size_t n = eq - field;

	memcpy(name, field, n);
	name[n] = '\0';
	put(e, name, eq + 1, strlen(eq + 1));
}

static void put_str(struct entry *e, const char *name, const char *value)
{
	if (value)
		put(e, name, value, strlen(value));
}

static void putf(struct entry *e, const char *name, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void putf(struct entry *e, const char *name, const char *format, ...)
{
	char value[64];
	va_list ap;
	int len;

	va_start(ap, format);
	len = vsnprintf(value, sizeof(value), format, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < sizeof(value))
		put(e, name, value, len);
}

/* Entries a stop cut short: journald was slow, and SIGINT/SIGTERM came. */
static unsigned long cut_by_stop;

static int send_entry(struct entry *e)
{
	int r;

	for (size_t i = 0; i < e->n; i++)
		e->iov[i].iov_base = e->buf + e->off[i];
	if (e->nomem)
		return -ENOMEM;
	/*
	 * A signal interrupts a send that waits on a busy journald (they
	 * interrupt system calls on purpose: a stuck reader must not keep
	 * the monitor from stopping). Nothing was sent: again, unless it
	 * was a stop, which leaves this entry unwritten, said at the end.
	 */
	while ((r = sd_journal_sendv(e->iov, e->n)) == -EINTR && !stop_requested)
		;
	if (r == -EINTR) {
		cut_by_stop++;
		return 0;
	}
	return r;
}

static const char *message_id(uint32_t type)
{
	switch (type) {
	case GARLIC_EVENT_FORK:
		return ID_FORK;
	case GARLIC_EVENT_EXEC:
		return ID_EXEC;
	case GARLIC_EVENT_EXIT:
		return ID_EXIT;
	case GARLIC_EVENT_UID:
		return ID_UID;
	case GARLIC_EVENT_GID:
		return ID_GID;
	case GARLIC_EVENT_SID:
		return ID_SID;
	case GARLIC_EVENT_PTRACE:
		return ID_PTRACE;
	case GARLIC_EVENT_COMM:
		return ID_COMM;
	case GARLIC_EVENT_COREDUMP:
		return ID_COREDUMP;
	default:
		return ID_OTHER;
	}
}

/* Worse endings rank higher: a core dump, then a kill, then a failure. */
static int priority(const struct garlic_event *ev)
{
	int st = (int)ev->exit.exit_code;

	if (ev->type == GARLIC_EVENT_COREDUMP)
		return PRIO_ERR;
	if (ev->type != GARLIC_EVENT_EXIT || st == 0)
		return PRIO_INFO;
	if (WIFSIGNALED(st))
		return WCOREDUMP(st) ? PRIO_ERR : PRIO_WARNING;
	return PRIO_NOTICE;
}

/* argv: one GARLIC_ARGV per argument, and the whole list, exact, as JSON. */
static void put_argv(struct entry *e, const struct garlic_process *p)
{
	static struct out json; /* in memory; 64 KiB at most */
	const char *arg = p->argv, *end = p->argv + p->argv_len;
	unsigned int i;

	putf(e, "GARLIC_ARGC", "%u", p->argc);
	out_buffer(&json);
	out_char(&json, '[');
	for (i = 0; i < p->argc && arg < end; i++) {
		size_t n = strnlen(arg, end - arg);

		/*
		 * journald keeps a field's values as a set: a repeated
		 * argument shows once and the order is the journal's.
		 */
		if (i < MAX_ARGV_FIELDS)
			put(e, "GARLIC_ARGV", arg, n);
		if (i)
			out_char(&json, ',');
		out_json_str(&json, arg, n);
		arg += n + 1;
	}
	out_char(&json, ']');
	/* What did not fit was dropped: no JSON rather than broken JSON. */
	if (json.len < sizeof(json.buf))
		put(e, "GARLIC_ARGV_JSON", json.buf, json.len);
	if (p->argv_truncated)
		put_str(e, "GARLIC_ARGV_TRUNCATED", "1");
}

/* What the exec ran, as json_exec() gives it. */
static void put_exec(struct entry *e, const struct row *s)
{
	const struct exec_info *x = s->exec;
	const struct garlic_process *p = x->proc;
	bool replaced = p && p->argv_state == GARLIC_PROCESS_REPLACED;
	bool ids = p && !replaced && p->ids_state == GARLIC_PROCESS_OK;

	put(e, "GARLIC_CMDLINE", s->cmdline ? s->cmdline : "", s->cmdline_len);
	if (s->argv_why)
		put_str(e, "GARLIC_ARGV_UNAVAILABLE", s->argv_why);
	else
		put_argv(e, p);
	put_str(e, "GARLIC_PREVIOUS_COMM", s->prev_comm);
	if (ids) {
		const char *user = user_name(p->euid), *group = group_name(p->egid);

		putf(e, "GARLIC_RUID", "%u", p->ruid);
		putf(e, "GARLIC_EUID", "%u", p->euid);
		putf(e, "GARLIC_RGID", "%u", p->rgid);
		putf(e, "GARLIC_EGID", "%u", p->egid);
		if (*user)
			put_str(e, "GARLIC_USER", user);
		if (*group)
			put_str(e, "GARLIC_GROUP", group);
	}
	if (p && p->exe_state == GARLIC_PROCESS_OK)
		put_str(e, "GARLIC_EXE", p->exe);
	if (p && p->cwd_state == GARLIC_PROCESS_OK)
		put_str(e, "GARLIC_CWD", p->cwd);
	if (p && !replaced && p->cgroup_state == GARLIC_PROCESS_OK)
		put_str(e, "GARLIC_CGROUP", p->cgroup);
	if (x->unit && !replaced)
		put(e, "GARLIC_UNIT", x->unit, x->unit_len);
	if (x->container && !replaced)
		put(e, "GARLIC_CONTAINER", x->container, 64);
	if (p && !replaced && p->nspid_state == GARLIC_PROCESS_OK)
		putf(e, "GARLIC_NSPID", "%d", (int)p->ns_pid);
}

static void put_exit(struct entry *e, const struct row *s)
{
	const struct garlic_event *ev = s->ev;
	int st = (int)ev->exit.exit_code;

	putf(e, "GARLIC_EXIT_CODE", "%u", ev->exit.exit_code);
	put_str(e, "GARLIC_EXIT_STATUS", s->status);
	putf(e, "GARLIC_EXIT_SIGNAL", "%u", ev->exit.exit_signal);
	if (WIFSIGNALED(st)) {
		const char *name = sigabbrev_np(WTERMSIG(st));

		if (name)
			putf(e, "GARLIC_KILL_SIGNAL", "SIG%s", name);
		else
			putf(e, "GARLIC_KILL_SIGNAL", "%d", WTERMSIG(st));
		if (WCOREDUMP(st))
			put_str(e, "GARLIC_CORE_DUMPED", "1");
	}
	if (s->lifetime_ns >= 0)
		putf(e, "GARLIC_LIFETIME_NS", "%lld", (long long)s->lifetime_ns);
	if (s->stats) {
		const struct garlic_taskstats *t = s->stats;

		putf(e, "GARLIC_CPU_USER_US", "%llu", (unsigned long long)t->user_us);
		putf(e, "GARLIC_CPU_SYSTEM_US", "%llu", (unsigned long long)t->system_us);
		putf(e, "GARLIC_ELAPSED_US", "%llu", (unsigned long long)t->elapsed_us);
		putf(e, "GARLIC_MAX_RSS_KIB", "%llu", (unsigned long long)t->hiwater_rss_kib);
		putf(e, "GARLIC_MAX_VM_KIB", "%llu", (unsigned long long)t->hiwater_vm_kib);
		putf(e, "GARLIC_READ_CHARS", "%llu", (unsigned long long)t->read_chars);
		putf(e, "GARLIC_WRITE_CHARS", "%llu", (unsigned long long)t->write_chars);
		putf(e, "GARLIC_READ_BYTES", "%llu", (unsigned long long)t->read_bytes);
		putf(e, "GARLIC_WRITE_BYTES", "%llu", (unsigned long long)t->write_bytes);
		putf(e, "GARLIC_VOLUNTARY_SWITCHES", "%llu",
		     (unsigned long long)t->voluntary_switches);
		putf(e, "GARLIC_INVOLUNTARY_SWITCHES", "%llu",
		     (unsigned long long)t->involuntary_switches);
		putf(e, "GARLIC_MINOR_FAULTS", "%llu", (unsigned long long)t->minor_faults);
		putf(e, "GARLIC_MAJOR_FAULTS", "%llu", (unsigned long long)t->major_faults);
		putf(e, "GARLIC_CPU_DELAY_NS", "%llu", (unsigned long long)t->cpu_delay_ns);
		putf(e, "GARLIC_BLKIO_DELAY_NS", "%llu", (unsigned long long)t->blkio_delay_ns);
	}
}

static int journal_entry(const struct options *opt, const struct row *s)
{
	static struct out line; /* the human line, formatted in memory */
	const struct garlic_event *ev = s->ev;
	const char *name = garlic_event_name(ev->type);
	struct entry *e = &entry;

	e->n = 0;
	e->len = 0;
	e->nomem = false;
	out_buffer(&line);
	human_line(&line, opt, s, false);
	put(e, "MESSAGE", line.buf, line.len ? line.len - 1 : 0);
	put_field(e, message_id(ev->type));
	putf(e, "PRIORITY", "%d", priority(ev));
	put_str(e, "SYSLOG_IDENTIFIER", PROGRAM);
	put_str(e, "GARLIC_EVENT", name ? name : "unknown");
	putf(e, "GARLIC_PID", "%d", s->pid);
	putf(e, "GARLIC_TGID", "%d", s->tgid);
	if (s->ppid > 0)
		putf(e, "GARLIC_PPID", "%d", s->ppid);
	/* A comm event's: the new name, whatever the table knew. */
	put_str(e, "GARLIC_COMM", ev->type == GARLIC_EVENT_COMM ? ev->comm.command : s->comm);
	putf(e, "GARLIC_CPU", "%u", ev->cpu);
	putf(e, "GARLIC_TIMESTAMP_NS", "%llu", (unsigned long long)ev->timestamp_ns);
	putf(e, "GARLIC_SEQ", "%u", ev->seq);
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		putf(e, "GARLIC_PARENT_PID", "%d", ev->fork.parent_pid);
		putf(e, "GARLIC_PARENT_TGID", "%d", ev->fork.parent_tgid);
		put_str(e, "GARLIC_PARENT_COMM", s->parent_comm);
		break;
	case GARLIC_EVENT_EXEC:
		put_exec(e, s);
		break;
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
		putf(e, "GARLIC_REAL_ID", "%u", ev->uid.real_id);
		putf(e, "GARLIC_EFFECTIVE_ID", "%u", ev->uid.effective_id);
		break;
	case GARLIC_EVENT_PTRACE:
		putf(e, "GARLIC_TRACER_PID", "%d", ev->ptrace.tracer_pid);
		putf(e, "GARLIC_TRACER_TGID", "%d", ev->ptrace.tracer_tgid);
		break;
	case GARLIC_EVENT_COMM:
		put_str(e, "GARLIC_PREVIOUS_COMM", s->prev_comm);
		break;
	case GARLIC_EVENT_COREDUMP:
		putf(e, "GARLIC_PARENT_PID", "%d", ev->coredump.parent_pid);
		putf(e, "GARLIC_PARENT_TGID", "%d", ev->coredump.parent_tgid);
		break;
	case GARLIC_EVENT_EXIT:
		put_exit(e, s);
		break;
	}
	return send_entry(e);
}

/* A refused entry is said once, counted, and fails the run at the end. */
static void refused(struct sink *sk, int err)
{
	if (err < 0 && !sk->failed++)
		fprintf(stderr, "%s: the journal refused an entry: %s\n", PROGRAM, strerror(-err));
}

static void journal_lost(struct sink *sk, const struct garlic_loss *loss)
{
	struct entry *e = &entry;
	char message[160];

	e->n = 0;
	e->len = 0;
	e->nomem = false;
	snprintf(message, sizeof(message), "lost %llu process events (%s), %llu in all",
		 (unsigned long long)loss->lost,
		 loss->cause == GARLIC_LOSS_OVERRUN ? "receive buffer overflow"
						    : "the kernel failed to send",
		 (unsigned long long)loss->total_lost);
	put_str(e, "MESSAGE", message);
	put_field(e, ID_LOST);
	putf(e, "PRIORITY", "%d", PRIO_WARNING);
	put_str(e, "SYSLOG_IDENTIFIER", PROGRAM);
	put_str(e, "GARLIC_EVENT", "lost");
	putf(e, "GARLIC_LOST", "%llu", (unsigned long long)loss->lost);
	putf(e, "GARLIC_TOTAL_LOST", "%llu", (unsigned long long)loss->total_lost);
	put_str(e, "GARLIC_LOSS_CAUSE",
		loss->cause == GARLIC_LOSS_OVERRUN ? "overrun" : "sequence");
	refused(sk, send_entry(e));
}

static void journal_event(struct sink *sk, const struct row *r)
{
	refused(sk, journal_entry(sk->opt, r));
}

/*
 * Is a journald there to take entries? sd_journal_sendv() returns 0
 * when the socket is missing, so that cannot tell: connecting a datagram
 * socket to it can, cheaply and without writing an entry. ENOENT: no
 * journal here; ECONNREFUSED: one that is gone left its socket. A
 * socket systemd holds for a stopped journald connects, and keeps what
 * is sent until journald is back: that is taking entries too.
 */
static int journal_probe(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int journal_start(struct sink *sk)
{
	int r = journal_probe();

	if (r < 0)
		fprintf(stderr, "%s: --journal: no journal takes entries here (%s: %s); "
				"is systemd-journald running?\n",
			PROGRAM, JOURNAL_SOCKET, strerror(-r));
	return r;
}

static int journal_finish(struct sink *sk)
{
	int r = journal_probe();
	int status = 0;

	/* Gone with its socket: the entries since then vanished silently. */
	if (r < 0) {
		fprintf(stderr, "%s: the journal went away during the run (%s: %s)\n",
			PROGRAM, JOURNAL_SOCKET, strerror(-r));
		status = -1;
	}
	if (sk->failed) {
		fprintf(stderr, "%s: entries refused by the journal: %lu\n", PROGRAM,
			sk->failed);
		status = -1;
	}
	if (cut_by_stop)
		fprintf(stderr, "%s: stopped while the journal was busy: %lu %s not written\n",
			PROGRAM, cut_by_stop, cut_by_stop == 1 ? "entry" : "entries");
	free(entry.buf);
	entry.buf = NULL;
	entry.size = 0;
	return status;
}

bool journal_available(void)
{
	return true;
}

void journal_sink(struct sink *sk)
{
	sk->start = journal_start;
	sk->event = journal_event;
	sk->lost = journal_lost;
	sk->finish = journal_finish;
}

#else

bool journal_available(void)
{
	return false;
}

/* Never picked: options refuse --journal without libsystemd. */
void journal_sink(struct sink *sk)
{
	human_sink(sk);
}

#endif
