// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --journal: each event as one journal entry with structured fields, so
 * that `journalctl GARLIC_EVENT=exit -o json` finds them and any log
 * shipper forwards them. MESSAGE= is the human line (human_line()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "options.h"
#include "output.h"
#include "sink.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-journal.h>

#define MAX_FIELDS 24

struct entry {
	struct iovec iov[MAX_FIELDS];
	char text[MAX_FIELDS][96];
	int n;
};

static void add(struct entry *e, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add(struct entry *e, const char *format, ...)
{
	va_list ap;
	int len;

	if (e->n == MAX_FIELDS)
		return;
	va_start(ap, format);
	len = vsnprintf(e->text[e->n], sizeof(e->text[e->n]), format, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(e->text[e->n]))
		len = sizeof(e->text[e->n]) - 1;
	e->iov[e->n].iov_base = e->text[e->n];
	e->iov[e->n].iov_len = len;
	e->n++;
}

/* A field whose value may be long (a command line, the message). */
static void add_long(struct entry *e, const char *name, const char *value, size_t len,
		     char *storage, size_t size)
{
	size_t n = strlen(name);

	if (e->n == MAX_FIELDS || n + 1 >= size)
		return;
	if (len > size - n - 1)
		len = size - n - 1;
	memcpy(storage, name, n);
	storage[n] = '=';
	memcpy(storage + n + 1, value, len);
	e->iov[e->n].iov_base = storage;
	e->iov[e->n].iov_len = n + 1 + len;
	e->n++;
}

bool journal_available(void)
{
	return true;
}

static int journal_entry(const struct options *opt, const struct row *s)
{
	static struct out line; /* the human line, formatted in memory */
	static char message[8300], cmdline[8300];
	const struct garlic_event *ev = s->ev;
	const char *name = garlic_event_name(ev->type);
	struct entry e = { .n = 0 };

	out_buffer(&line);
	human_line(&line, opt, s, false);
	add_long(&e, "MESSAGE", line.buf, line.len ? line.len - 1 : 0, message, sizeof(message));
	add(&e, "PRIORITY=%d", ev->type == GARLIC_EVENT_COREDUMP ? 4
			       : ev->type == GARLIC_EVENT_EXIT && ev->exit.exit_code ? 5
										 : 6);
	add(&e, "SYSLOG_IDENTIFIER=%s", PROGRAM);
	add(&e, "GARLIC_EVENT=%s", name ? name : "unknown");
	add(&e, "GARLIC_PID=%d", s->pid);
	add(&e, "GARLIC_TGID=%d", s->tgid);
	if (s->ppid > 0)
		add(&e, "GARLIC_PPID=%d", s->ppid);
	add(&e, "GARLIC_CPU=%u", ev->cpu);
	add(&e, "GARLIC_TIMESTAMP_NS=%llu", (unsigned long long)ev->timestamp_ns);
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		add(&e, "GARLIC_PARENT_PID=%d", ev->fork.parent_pid);
		add(&e, "GARLIC_PARENT_TGID=%d", ev->fork.parent_tgid);
		break;
	case GARLIC_EVENT_EXEC:
		add_long(&e, "GARLIC_CMDLINE", s->cmdline ? s->cmdline : "", s->cmdline_len,
			 cmdline, sizeof(cmdline));
		break;
	case GARLIC_EVENT_UID:
	case GARLIC_EVENT_GID:
		add(&e, "GARLIC_REAL_ID=%u", ev->uid.real_id);
		add(&e, "GARLIC_EFFECTIVE_ID=%u", ev->uid.effective_id);
		break;
	case GARLIC_EVENT_PTRACE:
		add(&e, "GARLIC_TRACER_PID=%d", ev->ptrace.tracer_pid);
		break;
	case GARLIC_EVENT_COMM:
		add(&e, "GARLIC_COMM=%s", ev->comm.command);
		break;
	case GARLIC_EVENT_EXIT:
		add(&e, "GARLIC_EXIT_CODE=%u", ev->exit.exit_code);
		add(&e, "GARLIC_EXIT_STATUS=%s", s->status);
		add(&e, "GARLIC_EXIT_SIGNAL=%u", ev->exit.exit_signal);
		if (s->lifetime_ns >= 0)
			add(&e, "GARLIC_LIFETIME_NS=%lld", (long long)s->lifetime_ns);
		if (s->stats) {
			add(&e, "GARLIC_CPU_USER_US=%llu", (unsigned long long)s->stats->user_us);
			add(&e, "GARLIC_CPU_SYSTEM_US=%llu",
			    (unsigned long long)s->stats->system_us);
			add(&e, "GARLIC_MAX_RSS_KIB=%llu",
			    (unsigned long long)s->stats->hiwater_rss_kib);
		}
		break;
	}
	return sd_journal_sendv(e.iov, e.n);
}

static void journal_lost(struct sink *sk, const struct garlic_loss *loss)
{
	sd_journal_send("MESSAGE=lost %llu process events (%s), %llu in all",
			       (unsigned long long)loss->lost,
			       loss->cause == GARLIC_LOSS_OVERRUN ? "receive buffer overflow"
								  : "the kernel failed to send",
			       (unsigned long long)loss->total_lost,
			       "PRIORITY=4", "SYSLOG_IDENTIFIER=" PROGRAM, "GARLIC_EVENT=lost",
			       "GARLIC_LOST=%llu", (unsigned long long)loss->lost, NULL);
}

static void journal_event(struct sink *sk, const struct row *r)
{
	int err = journal_entry(sk->opt, r);

	/* Said once now, counted, and the exit status tells at the end. */
	if (err < 0 && !sk->failed++)
		fprintf(stderr, "%s: writing to the journal: %s\n", PROGRAM, strerror(-err));
}

static int journal_finish(struct sink *sk)
{
	if (!sk->failed)
		return 0;
	fprintf(stderr, "%s: %lu events could not be written to the journal\n", PROGRAM,
		sk->failed);
	return -1;
}

void journal_sink(struct sink *sk)
{
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
