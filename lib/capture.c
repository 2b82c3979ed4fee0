// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What ran: a snapshot of every exec'd process, taken the moment garlic
 * learns of the exec, handed out with the exec event.
 *
 * A short-lived process is gone within a millisecond, so the snapshot
 * cannot wait for the latency budget, nor for the events read before the
 * exec in the same batch to be handed out. So the handle keeps a second
 * subscription, exec-only (the kernel's filter from Linux 6.6, classic
 * BPF before), whose socket is always in the handle's epoll set and is
 * drained at every turn, budget or not: its execs are read from /proc at
 * once into a ring of snapshots, and the main stream's exec event picks
 * its own up when it is dispatched (the kernel sends one message to both
 * sockets, so cpu and seq match). Measured against reading at dispatch
 * time under a 10 ms budget: see bench/argv.
 *
 * A process that exec'd twice before the drain shows two execs of one
 * pid in the drain: /proc holds the later program, so the earlier
 * snapshot says REPLACED instead of showing the later program's argv.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "garlic-handle.h"
#include "process-private.h"

/*
 * Execs whose snapshots wait for their events: at first more than a 10 ms
 * budget's worth of an exec storm (~8 000 execs/s on 2 CPUs). A longer
 * budget holds more: the ring doubles while its oldest still waits, up to
 * a bound on memory (4 KiB a snapshot); past it the oldest is read late.
 */
#define CAPTURE_SLOTS_FIRST 256
#define CAPTURE_SLOTS_MAX 4096
/*
 * A slot still waiting this long after its exec lost its event (the main
 * socket overran): it makes room instead of the ring growing for it.
 * Twice the longest budget.
 */
#define CAPTURE_STALE_NS (2 * (uint64_t)GARLIC_MAX_LATENCY_BUDGET_US * 1000)
/* A snapshot buffer a long argv grew past this is not kept for the next. */
#define CAPTURE_BUF_KEEP 16384
/* Datagrams one drain reads at most, so a storm cannot hold a turn. */
#define DRAIN_ROUNDS 8
/* An empty command line is read again this often, this far apart (~1 ms). */
#define ODD_ARGV_TRIES 8
#define ODD_ARGV_WAIT_NS 150000

struct capture_slot {
	uint32_t cpu, seq;
	uint64_t timestamp_ns;
	pid_t pid;
	bool used;	/* waits for its event's dispatch */
	bool filled;	/* the snapshot is taken */
	bool ok;	/* ... into buf */
	struct garlic_process_buf *buf;
};

struct garlic_capture {
	struct garlic *sub;	/* the exec-only subscription */
	uint32_t fields;
	size_t argv_max;
	unsigned int size;	/* slots in the ring */
	unsigned int next;	/* the ring's next slot */
	unsigned int take;	/* where the next exec's slot is looked for first */
	unsigned int pending;	/* slots taken by the current drain, not filled */
	struct capture_slot *slots;
	struct capture_slot late; /* an exec the ring did not have */
};

/*
 * Doubles the ring, oldest slot first: next, the oldest, becomes 0, so
 * the slots the drain has taken stay just before the new next. false
 * when the bound or memory says no.
 */
static bool grow(struct garlic_capture *c)
{
	unsigned int n = c->size, old_next = c->next;
	struct capture_slot *bigger;

	if (n >= CAPTURE_SLOTS_MAX)
		return false;
	bigger = calloc(2 * (size_t)n, sizeof(*bigger));
	if (!bigger)
		return false;
	for (unsigned int i = 0; i < n; i++)
		bigger[i] = c->slots[(old_next + i) % n];
	free(c->slots);
	c->slots = bigger;
	c->size = 2 * n;
	c->next = n;
	c->take = (c->take + n - old_next) % n;
	return true;
}

/* The sub's callback: an exec to snapshot once the drain has read all. */
static int on_exec(const struct garlic_event *ev, void *userdata)
{
	struct garlic_capture *c = userdata;
	struct capture_slot *s;

	/* A full ring that cannot grow drops its oldest: that exec is read late. */
	s = &c->slots[c->next];
	if (s->used && ev->timestamp_ns < s->timestamp_ns + CAPTURE_STALE_NS)
		grow(c);
	s = &c->slots[c->next];
	c->next = (c->next + 1) % c->size;
	/* Handed out long ago; a burst of long command lines is not kept. */
	if (s->buf && s->buf->cap > CAPTURE_BUF_KEEP) {
		garlic_process_buf_free(s->buf);
		s->buf = NULL;
	}
	s->cpu = ev->cpu;
	s->seq = ev->seq;
	s->timestamp_ns = ev->timestamp_ns;
	s->pid = ev->pid;
	s->used = true;
	s->filled = false;
	c->pending++;
	return 0;
}

int garlic_capture_open(struct garlic *g, uint32_t fields, size_t argv_max)
{
	struct garlic_open_opts o = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXEC,
						     .flags = GARLIC_OPEN_NONBLOCK);
	struct garlic_capture *c;
	int r;

	if (fields & ~GARLIC_PROCESS_ALL)
		return -EINVAL;
	if (!fields || (g->sub.events && !(g->sub.events & GARLIC_EVENT_EXEC)))
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fields = fields;
	c->argv_max = argv_max;
	c->size = CAPTURE_SLOTS_FIRST;
	c->slots = calloc(c->size, sizeof(*c->slots));
	r = c->slots ? garlic_open_opts(&c->sub, &o, on_exec, c) : -ENOMEM;
	if (r == 0)
		r = garlic_loop_fd_add(&g->loop, c->sub->fd);
	if (r < 0) {
		garlic_close(c->sub);
		free(c->slots);
		free(c);
		return r;
	}
	g->capture = c;
	return 0;
}

void garlic_capture_close(struct garlic_capture *c)
{
	if (!c)
		return;
	garlic_close(c->sub);
	for (unsigned int i = 0; i < c->size; i++)
		garlic_process_buf_free(c->slots[i].buf);
	free(c->slots);
	garlic_process_buf_free(c->late.buf);
	free(c);
}

/* What /proc says now belongs to the later program: say so instead. */
static void mark_replaced(struct garlic_process *p)
{
	if (p->fields & GARLIC_PROCESS_ARGV) {
		p->argv_state = GARLIC_PROCESS_REPLACED;
		p->argv = NULL;
		p->argv_len = 0;
		p->argc = 0;
		p->argv_truncated = false;
	}
	if (p->fields & GARLIC_PROCESS_EXE) {
		p->exe_state = GARLIC_PROCESS_REPLACED;
		p->exe = NULL;
	}
	if (p->fields & GARLIC_PROCESS_CWD) {
		p->cwd_state = GARLIC_PROCESS_REPLACED;
		p->cwd = NULL;
	}
	/* The name is the later program's too. */
	memset(p->comm, 0, sizeof(p->comm));
	if (p->fields & GARLIC_PROCESS_COMM)
		p->comm_state = GARLIC_PROCESS_REPLACED;
}

static bool exec_again(const struct garlic_capture *c, unsigned int from, unsigned int left,
		       pid_t pid)
{
	for (unsigned int k = 1; k < left; k++) {
		const struct capture_slot *s = &c->slots[(from + k) % c->size];

		if (s->used && !s->filled && s->pid == pid)
			return true;
	}
	return false;
}

/* The snapshot found the process exited: whatever it shows is of its last program. */
static bool saw_exited(const struct garlic_process *p)
{
	return p->argv_state == GARLIC_PROCESS_ZOMBIE || p->exe_state == GARLIC_PROCESS_ZOMBIE ||
	       p->cwd_state == GARLIC_PROCESS_ZOMBIE ||
	       (p->stat_state == GARLIC_PROCESS_OK && (p->state == 'Z' || p->state == 'X'));
}

static bool odd_argv(const struct garlic_process *p)
{
	return p->argv_state == GARLIC_PROCESS_OK && (p->argv_len == 0 || p->argv[0] == '\0');
}

#ifdef GARLIC_TEST_SEAM
#include "garlic-test.h"

void (*garlic_test_before_snapshot)(pid_t pid);

unsigned int garlic_test_capture_slots(const struct garlic *g)
{
	return g->capture ? g->capture->size : 0;
}
#endif

/*
 * Reads s's process into its buffer. Gone before it could be read: the
 * snapshot says so, field by field. Out of memory: no snapshot (false),
 * and the event goes out without one.
 */
static bool read_snapshot(struct garlic_capture *c, struct capture_slot *s)
{
	int r;

#ifdef GARLIC_TEST_SEAM
	if (garlic_test_before_snapshot)
		garlic_test_before_snapshot(s->pid);
#endif
	r = garlic_process_fill(&s->buf, s->pid, c->fields, c->argv_max);
	if (r < 0 && r != -ENOMEM)
		r = garlic_process_fill_failed(&s->buf, s->pid, c->fields, -r);
	return r == 0;
}

static void fill(struct garlic_capture *c, struct capture_slot *s)
{
	s->ok = read_snapshot(c, s);
	s->filled = true;
	if (s->ok && odd_argv(&s->buf->proc)) {
		/*
		 * An empty command line, or an empty first argument, is what a
		 * process shows between two programs while it execs again (the
		 * next one's arguments not in place yet, its name already set).
		 * Loading the next program (its interpreter mapped, its stack
		 * built) can take a millisecond: asked again a few times, it is
		 * either the same (the program really has it), or it exited
		 * (then it says so), or it is the next program's: then this
		 * exec's was never seen.
		 */
		size_t len = s->buf->proc.argv_len;

		for (int i = 0; i < ODD_ARGV_TRIES; i++) {
			if (i == 0)
				sched_yield();
			else
				nanosleep(&(struct timespec){ .tv_nsec = ODD_ARGV_WAIT_NS }, NULL);
			s->ok = read_snapshot(c, s);
			if (!s->ok || !odd_argv(&s->buf->proc) || s->buf->proc.argv_len != len)
				break;
		}
		if (s->ok && !saw_exited(&s->buf->proc) &&
		    (!odd_argv(&s->buf->proc) || s->buf->proc.argv_len != len))
			mark_replaced(&s->buf->proc);
	}
}

/* Snapshots what the last drain read, oldest first. */
static void fill_pending(struct garlic_capture *c)
{
	unsigned int first = (c->next + c->size - c->pending) % c->size;

	for (unsigned int i = 0; i < c->pending; i++) {
		struct capture_slot *s = &c->slots[(first + i) % c->size];
		bool replaced = exec_again(c, (first + i) % c->size, c->pending - i, s->pid);

		fill(c, s);
		if (replaced && s->ok)
			mark_replaced(&s->buf->proc);
	}
	c->pending = 0;
}

void garlic_capture_drain(struct garlic *g)
{
	struct garlic_capture *c = g->capture;

	if (!c)
		return;
	for (int i = 0; i < DRAIN_ROUNDS; i++) {
		int r = garlic_receive(c->sub);

		/* An overrun costs snapshots only: those execs are read late. */
		if (r < 0 && r != -ENOBUFS)
			break;
		/*
		 * A short batch emptied the queue: asking again would be one
		 * more system call per exec, for nothing. What comes later
		 * shows on the handle's fd, and is drained then.
		 */
		if (r >= 0 && r < GARLIC_BATCH)
			break;
	}
	if (c->pending > c->size)
		c->pending = c->size;
	fill_pending(c);
}

/*
 * Events are handed out in the order the drain read them, so the slot
 * after the last one taken is nearly always the one: the search starts
 * there instead of scanning the ring for every exec.
 */
static struct capture_slot *find(struct garlic_capture *c, const struct garlic_event *ev)
{
	for (unsigned int i = 0; i < c->size; i++) {
		unsigned int k = (c->take + i) % c->size;
		struct capture_slot *s = &c->slots[k];

		if (s->used && s->filled && s->cpu == ev->cpu && s->seq == ev->seq &&
		    s->pid == ev->pid) {
			c->take = (k + 1) % c->size;
			return s;
		}
	}
	return NULL;
}

static bool same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	return a && b && alen == blen && memcmp(a, b, alen) == 0;
}

/* path's file name as the kernel names a process after it: 15 bytes at most. */
static bool named_after(const char *path, const char *comm)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!path || !comm[0])
		return false;
	if (slash)
		path = slash + 1;
	return strlen(path) >= 15 ? strncmp(path, comm, 15) == 0 : strcmp(path, comm) == 0;
}

/*
 * A later exec whose snapshot has no argv (it had exited) but a name:
 * this one's program, by argv[0] or exe, under that same name may be the
 * later program, read early. It cannot be told from a program that
 * exec'd itself again; either way the process was replaced.
 */
static bool maybe_later(const struct garlic_process *p, const struct garlic_process *q)
{
	if (q->argv_state == GARLIC_PROCESS_OK || q->comm_state != GARLIC_PROCESS_OK)
		return false;
	return (p->argv_state == GARLIC_PROCESS_OK && p->argc > 0 && named_after(p->argv, q->comm)) ||
	       (p->exe_state == GARLIC_PROCESS_OK && named_after(p->exe, q->comm));
}

/*
 * The kernel sends an exec's event only after the new program's
 * arguments are in place, so a read in between shows the next program
 * before its exec is known. When that next exec's snapshot is in, and
 * this one holds the very same program and argv, this one saw the next:
 * it says REPLACED. (An exec of the same command line twice is told so
 * too: nothing is lost but the repetition.) A snapshot that found the
 * process exited, with a later exec of it known, is REPLACED outright.
 * A later exec was read after s, so its slot is between s and next.
 */
static void check_not_later(struct garlic_capture *c, struct capture_slot *s)
{
	const struct garlic_process *p = &s->buf->proc;
	unsigned int from = (unsigned int)(s - c->slots);
	bool exited = saw_exited(p);

	if (!exited && !(p->fields & (GARLIC_PROCESS_ARGV | GARLIC_PROCESS_EXE)))
		return;
	for (unsigned int i = (from + 1) % c->size; i != c->next; i = (i + 1) % c->size) {
		const struct capture_slot *t = &c->slots[i];
		const struct garlic_process *q;

		if (!t->used || t->pid != s->pid || t->timestamp_ns <= s->timestamp_ns)
			continue;
		/*
		 * Read after the exit, which came after the later exec: the
		 * name it found (and any field) is the later program's.
		 */
		if (exited) {
			mark_replaced(&s->buf->proc);
			return;
		}
		if (!t->filled || !t->ok)
			continue;
		q = &t->buf->proc;
		if (maybe_later(p, q)) {
			mark_replaced(&s->buf->proc);
			return;
		}
		if ((!(p->fields & GARLIC_PROCESS_ARGV) ||
		     same_text(p->argv, p->argv_len, q->argv, q->argv_len)) &&
		    (!(p->fields & GARLIC_PROCESS_EXE) ||
		     same_text(p->exe, p->exe ? strlen(p->exe) : 0, q->exe,
			       q->exe ? strlen(q->exe) : 0))) {
			mark_replaced(&s->buf->proc);
			return;
		}
	}
}

const struct garlic_process *garlic_capture_take(struct garlic *g, const struct garlic_event *ev)
{
	struct garlic_capture *c = g->capture;
	struct capture_slot *s;

	if (!c || ev->type != GARLIC_EVENT_EXEC)
		return NULL;
	s = find(c, ev);
	if (!s) {
		/* Sent to both sockets at once: the sub may just not be read yet. */
		garlic_capture_drain(g);
		s = find(c, ev);
	}
	if (!s) {
		/* Lost by the sub, or pushed out of the ring: read now, late. */
		g->counters.captures_late++;
		s = &c->late;
		s->pid = ev->pid;
		fill(c, s);
	}
	if (s->ok && s != &c->late)
		check_not_later(c, s);
	s->used = false;
	return s->ok ? &s->buf->proc : NULL;
}
