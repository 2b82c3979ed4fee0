/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * garlic - Linux process events from the kernel's proc connector.
 *
 * This header is the manual. Every function that can fail returns 0 (or a
 * count) on success and a negative errno on failure; garlic_strerror()
 * turns any of them into a sentence. Nothing in the library prints.
 *
 * Callbacks, everywhere in garlic, return 0 to go on, a positive value to
 * stop the call that is delivering (what is left stays queued for the
 * next call), or a negative errno, which stops that call and becomes its
 * return value.
 *
 * Event loops: every handle has one file descriptor (garlic_fd(),
 * garlic_taskstats_fd(), garlic_exit_joiner_fd()) that is readable
 * exactly when the handle's work function has something to do. A loop
 * that polls the fd and calls the work function when it is readable, and
 * does nothing else, misses nothing and needs no timeout of its own.
 *
 * Thread safety: a handle is not locked. Use each handle from one thread
 * at a time (different handles are independent). The free functions
 * (names, strerror, realtime conversion) are thread-safe.
 *
 * Related headers: <garlic/taskstats.h> (per-task statistics, exit
 * joiner), <garlic/libnl.h> (listening on a libnl socket of your own).
 */
#ifndef GARLIC_GARLIC_H
#define GARLIC_GARLIC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Anonymous unions are C11. GCC and clang take them in C99 too when
 * marked __extension__; any other strict C99 compiler gets a named union,
 * ev->u.fork instead of ev->fork.
 */
#if defined(__GNUC__) || defined(__clang__)
#define GARLIC_ANONYMOUS_UNION __extension__ union
#define GARLIC_UNION_NAME
#elif defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
#define GARLIC_ANONYMOUS_UNION union
#define GARLIC_UNION_NAME
#else
#define GARLIC_ANONYMOUS_UNION union
#define GARLIC_UNION_NAME u
#endif

/* events */

/*
 * Event kinds: the kernel's own values (include/uapi/linux/cn_proc.h),
 * usable as a bit mask in struct garlic_open_opts.events. There is no
 * "every kind" mask on purpose: 0 means every kind, including kinds a
 * later kernel and library add, while a mask compiled into a program
 * keeps meaning exactly the kinds it names.
 */
#define GARLIC_EVENT_NONE		0x00000000u /* the kernel's ACK; never delivered */
#define GARLIC_EVENT_FORK		0x00000001u
#define GARLIC_EVENT_EXEC		0x00000002u
#define GARLIC_EVENT_UID		0x00000004u
#define GARLIC_EVENT_GID		0x00000040u
#define GARLIC_EVENT_SID		0x00000080u
#define GARLIC_EVENT_PTRACE		0x00000100u
#define GARLIC_EVENT_COMM		0x00000200u
/*
 * A subscription flag only: with it (and without GARLIC_EVENT_EXIT) only
 * exits whose exit_code is not 0 pass. Such exits arrive as
 * GARLIC_EVENT_EXIT; no event ever has this type.
 */
#define GARLIC_EVENT_NONZERO_EXIT	0x20000000u
#define GARLIC_EVENT_COREDUMP		0x40000000u
#define GARLIC_EVENT_EXIT		0x80000000u

/*
 * One process event, as the kernel reported it.
 *
 * - All pids, tgids and ids are those of the initial pid and user
 *   namespaces, whatever namespace the listener runs in.
 * - pid and tgid name the event's subject: the new task of a fork, the
 *   task that exec'd, changed ids, was traced, renamed itself, dumped
 *   core or exited. A pid is a task (thread) id; the tgid is its process.
 *   A process exit is the exit event with pid == tgid.
 * - fork: for a new thread child_pid != child_tgid, and parent_pid /
 *   parent_tgid name the *creating process's parent*, not the creator
 *   (the kernel reports task->real_parent).
 * - uid/gid: real_id and effective_id after the change.
 * - ptrace: tracer_pid/tracer_tgid are 0 on detach.
 * - comm: the new name, always NUL-terminated.
 * - coredump and exit: the parent fields are the task's real parent when
 *   the kernel builds the event, read only while the task still has its
 *   pid ("pid_alive"), else 0. A dumping task is alive, so a coredump
 *   names its parent. If the parent died first, that is the process that
 *   adopted the task (init, or the nearest PR_SET_CHILD_SUBREAPER).
 * - exit: every kernel (checked in 6.1, 6.12 and 6.18) sends the exit
 *   event after it notified the parent, so parent_pid / parent_tgid are 0
 *   when the task was released before that: a parent that ignores
 *   SIGCHLD (the child is reaped at once, always 0), or a parent whose
 *   wait() reaped the zombie first (a race, seen on a busy 2-CPU 6.1).
 *   Keep your own table of parents from fork events for that case.
 * - exit: exit_code is the raw wait status (use WIFEXITED(),
 *   WEXITSTATUS(), WIFSIGNALED(), WTERMSIG(), WCOREDUMP()); exit_signal is
 *   the signal sent to the parent (SIGCHLD, usually), (uint32_t)-1 for a
 *   thread, whose parent fields are then 0.
 * - Kinds garlic does not know yet are delivered with their type, pid and
 *   tgid from the first 8 bytes of their data (every kind so far starts
 *   with them), and the kernel's 24 bytes of event data in raw.
 *
 * The library fills and owns every struct garlic_event it hands out;
 * members are only ever added in place of reserved, so the size stays.
 */
struct garlic_process;

struct garlic_event {
	uint32_t type;		/* one GARLIC_EVENT_* */
	uint32_t cpu;		/* CPU that generated the event */
	uint64_t timestamp_ns;	/* the kernel's CLOCK_MONOTONIC stamp */
	pid_t pid;		/* the subject task */
	pid_t tgid;		/* the subject's process */
	/*
	 * The kernel's per-CPU sequence number of this message (cn_msg.seq).
	 * Numbers are shared by all listeners and consumed by events a filter
	 * dropped, so a gap alone does not mean loss: see garlic_counters.
	 */
	uint32_t seq;
	uint32_t flags;		/* 0; reserved for later use */
	GARLIC_ANONYMOUS_UNION {
		struct {
			pid_t parent_pid, parent_tgid, child_pid, child_tgid;
		} fork;
		struct {
			pid_t process_pid, process_tgid;
		} exec, sid;
		struct {
			pid_t process_pid, process_tgid;
			uint32_t real_id, effective_id;
		} uid, gid;
		struct {
			pid_t process_pid, process_tgid, tracer_pid, tracer_tgid;
		} ptrace;
		struct {
			pid_t process_pid, process_tgid;
			char command[16];
		} comm;
		struct {
			pid_t process_pid, process_tgid, parent_pid, parent_tgid;
		} coredump;
		struct {
			pid_t process_pid, process_tgid;
			uint32_t exit_code, exit_signal;
			pid_t parent_pid, parent_tgid;
		} exit;
		unsigned char raw[24];
	} GARLIC_UNION_NAME;
	/*
	 * With struct garlic_open_opts.capture, an exec event's snapshot of
	 * the process (<garlic/process.h>), taken as soon as the library
	 * learned of the exec: valid during the callback only. NULL for
	 * other kinds, or when capture is off.
	 */
	const struct garlic_process *process;
	uint64_t reserved[3];	/* 0; room for members added later */
};

/*
 * Called once per event. The event is valid only during the call.
 * Returns as every garlic callback: 0 go on, > 0 stop garlic_receive()
 * (events already read stay for the next call), < 0 stop it and make it
 * return that errno.
 */
typedef int (*garlic_event_fn)(const struct garlic_event *ev, void *userdata);

/*
 * Name of an event kind: "fork", "exec", "uid", "gid", "sid", "ptrace",
 * "comm", "nonzero_exit", "coredump", "exit", or "none" for 0. Returns
 * NULL for a value that is not exactly one known kind.
 */
const char *garlic_event_name(uint32_t type);

/*
 * The kind called name (as garlic_event_name() spells it, case
 * insensitive). Returns 0 and sets *type, or -EINVAL for an unknown name.
 */
int garlic_event_from_name(const char *name, uint32_t *type);

/*
 * Parses a comma-separated list of names ("fork,exec,exit") into a mask
 * for struct garlic_open_opts.events. "all" (alone) gives 0: every kind.
 * Returns 0 and sets *mask, or -EINVAL when an element is empty or
 * unknown, or "all" is mixed with names (*mask is then untouched).
 */
int garlic_events_parse(const char *list, uint32_t *mask);

/*
 * Converts an event's timestamp_ns (CLOCK_MONOTONIC) into nanoseconds
 * since the Unix epoch, using the current offset between
 * CLOCK_REALTIME and CLOCK_MONOTONIC. Returns 0 if the clocks cannot be
 * read. (A wall-clock step between the event and the call shifts the
 * result by the step.)
 */
uint64_t garlic_realtime_ns(uint64_t timestamp_ns);

/* listening */

/* An open subscription to the proc connector. Opaque. */
struct garlic;

/*
 * Receive buffer a handle asks for unless told otherwise. The kernel
 * doubles it: 16 MiB, room for ~20 000 queued events, which a fork storm
 * on a 2-CPU machine does not fill.
 */
#define GARLIC_DEFAULT_RCVBUF (8 * 1024 * 1024)
/* The subscription's default and longest ACK wait. */
#define GARLIC_DEFAULT_ACK_TIMEOUT_MS 1000u
#define GARLIC_MAX_ACK_TIMEOUT_MS 60000u
/* The largest latency budget: 1 s. */
#define GARLIC_MAX_LATENCY_BUDGET_US 1000000u

/* Flags for struct garlic_open_opts. */
#define GARLIC_OPEN_NONBLOCK	(1u << 0) /* garlic_receive() never waits */
#define GARLIC_OPEN_FORCE_BPF	(1u << 1) /* never use the kernel filter */

/*
 * Options for garlic_open_opts(). Make one with GARLIC_OPEN_OPTS(), which
 * sets sz and zeroes what you do not name:
 *
 *	struct garlic_open_opts o = GARLIC_OPEN_OPTS(.events = GARLIC_EVENT_EXEC,
 *						     .latency_budget_us = 10000);
 *
 * A zero member means its default. Members are only ever added at the
 * end; a program built against a longer struct than the library knows
 * gets -EINVAL if it set any of the members the library does not know.
 */
struct garlic_open_opts {
	size_t sz;		/* sizeof(struct garlic_open_opts) */
	uint32_t events;	/* OR of GARLIC_EVENT_*; 0: every kind, no filter */
	uint32_t flags;		/* GARLIC_OPEN_* */
	int rcvbuf;		/* bytes; 0: GARLIC_DEFAULT_RCVBUF */
	unsigned int ack_timeout_ms; /* 0: GARLIC_DEFAULT_ACK_TIMEOUT_MS; at most
					GARLIC_MAX_ACK_TIMEOUT_MS */
	/*
	 * Trades latency for CPU under load. With a budget, once events come
	 * faster than one per budget, the handle's fd turns readable at most
	 * once per budget, and garlic_receive() then reads everything queued
	 * meanwhile in one go (up to 4096 messages a call; a larger backlog
	 * keeps the fd readable): one wake-up for many events instead of one
	 * each. An event after a quiet spell is delivered at once; every
	 * event is delivered at most about the budget after it happened. The
	 * receive buffer must hold a budget's worth of events (~860 bytes
	 * each). 0, the default, delivers at once; at most
	 * GARLIC_MAX_LATENCY_BUDGET_US.
	 */
	unsigned int latency_budget_us;
	/*
	 * What ran: GARLIC_PROCESS_* fields (<garlic/process.h>) to read from
	 * /proc for every exec, handed out as the event's process member; 0:
	 * none. The snapshot is taken the moment the exec is known, through
	 * a second, exec-only subscription that is read at once, even while
	 * a latency budget holds the rest of the events back. A process that
	 * has already exited cannot be read: its fields say so (ZOMBIE, GONE,
	 * REPLACED), never an empty string for a value. The kernel sends an
	 * exec's event only once the new program's arguments are in place: a
	 * read in the microseconds between would show the next program, so a
	 * snapshot identical to the same pid's next one is REPLACED; without
	 * a budget, an exec handed out before its successor was known keeps
	 * that (microsecond) window.
	 */
	uint32_t capture;
	unsigned int capture_argv_max; /* argv bytes kept; 0: GARLIC_PROCESS_ARGV_DEFAULT */
};

#define GARLIC_OPEN_OPTS(...) \
	((struct garlic_open_opts){ .sz = sizeof(struct garlic_open_opts), __VA_ARGS__ })

/*
 * Opens a netlink socket on the proc connector, subscribes to it and,
 * when opts->events selects some kinds, installs a filter so that only
 * those kinds are delivered: the kernel's own (Linux 6.6 on) or classic
 * BPF on the socket. Every descriptor is close-on-exec.
 *
 * fn is called for each event from garlic_receive(); it must not be NULL.
 *
 * Returns 0 and sets *out, or a negative errno (leaving *out untouched):
 *   -EINVAL           fn, out or opts is NULL, opts->sz is too small,
 *                     events or flags have unknown bits, a value is out
 *                     of range, or opts has non-zero members this library
 *                     does not know
 *   -EPROTONOSUPPORT  the kernel has no proc connector
 *                     (CONFIG_CONNECTOR / CONFIG_PROC_EVENTS)
 *   -EPERM            the kernel (before 6.6) wants CAP_NET_ADMIN
 *   -ECONNREFUSED     this network namespace has no proc connector (it
 *                     exists only in the initial one)
 *   -ETIMEDOUT        the kernel never acknowledged the subscription; it
 *                     ignores requests from non-initial pid or user
 *                     namespaces
 *   -ENOMEM, or another errno from socket(2), bind(2) or send(2)
 */
int garlic_open_opts(struct garlic **out, const struct garlic_open_opts *opts,
		     garlic_event_fn fn, void *userdata);

/* garlic_open_opts() with only events set. */
int garlic_open(struct garlic **out, uint32_t events, garlic_event_fn fn,
		void *userdata);

/*
 * Unsubscribes (PROC_CN_MCAST_IGNORE: closing the socket alone does not
 * lower the kernel's listener count), closes the handle's descriptors and
 * frees it. NULL is a no-op.
 *
 * In a child forked after garlic_open() it only closes and frees: the
 * subscription belongs to the socket the parent still uses.
 *
 * It may be called from inside any callback of the handle: the handle is
 * then freed when the callback returns, nothing more is delivered, and
 * the call that ran the callback returns at once.
 */
void garlic_close(struct garlic *g);

/*
 * The handle's file descriptor, for poll/epoll/GLib/libevent loops (it is
 * an epoll descriptor: poll it for POLLIN/EPOLLIN only). It is readable
 * exactly when garlic_receive() has work: events are queued (and, with a
 * latency budget under load, the budget is up), or events already read
 * wait because a callback stopped early. Returns the fd, or -EINVAL for
 * NULL.
 */
int garlic_fd(const struct garlic *g);

/*
 * Reads what is queued and calls fn for each event, up to a bounded batch
 * so that a busy stream cannot hold the caller forever. EINTR is retried.
 *
 * A non-blocking handle (GARLIC_OPEN_NONBLOCK) never waits: with nothing
 * to do, it returns -EAGAIN. A blocking handle waits for the next event
 * and, under load with a latency budget, until the budget is up.
 *
 * Returns the number of events dispatched (0 is possible: every message
 * read was an ACK or was refused), or a negative errno:
 *   -EAGAIN   non-blocking and nothing to do yet
 *   -ENOBUFS  the kernel dropped events because the receive buffer was
 *             full, and no loss callback is set (see garlic_set_loss_fn);
 *             the count is in garlic_counters, listening goes on: call
 *             again
 *   -EBUSY    called from inside one of the handle's callbacks
 *   -EINVAL   g is NULL
 *   a callback's negative return value
 *   another errno from recvmmsg(2)
 */
int garlic_receive(struct garlic *g);

/*
 * Sets the latency budget (see struct garlic_open_opts). Returns 0, or
 * -EINVAL for a NULL handle or us > GARLIC_MAX_LATENCY_BUDGET_US.
 */
int garlic_set_latency_budget(struct garlic *g, unsigned int us);

/*
 * Sets the socket's receive buffer to bytes (SO_RCVBUFFORCE when
 * privileged, else SO_RCVBUF, which the system caps at
 * net.core.rmem_max). Each queued event costs ~860 bytes. Returns the
 * size the kernel granted (it doubles the request), or -EINVAL for a
 * NULL handle or bytes <= 0, or another errno from setsockopt(2).
 */
int garlic_set_rcvbuf(struct garlic *g, int bytes);

/* Which filter delivers the subscription's kinds (garlic_get_filter_mode()). */
enum garlic_filter_mode {
	GARLIC_FILTER_NONE = 0,	  /* every kind is delivered */
	GARLIC_FILTER_BPF = 1,	  /* classic BPF on the socket */
	GARLIC_FILTER_KERNEL = 2, /* the kernel's own filter (Linux >= 6.6) */
};

/* Sets *mode to the handle's GARLIC_FILTER_*. Returns 0, or -EINVAL for NULL. */
int garlic_get_filter_mode(const struct garlic *g, enum garlic_filter_mode *mode);

/*
 * Sets *events to the kinds the handle is subscribed to (0: every kind).
 * Returns 0, or -EINVAL for NULL.
 */
int garlic_get_events(const struct garlic *g, uint32_t *events);

/* loss and counters */

/*
 * What a handle has seen since it was opened. Every message read ends up
 * in exactly one of events, acks, malformed and foreign.
 */
struct garlic_counters {
	uint64_t events;    /* delivered to the event callback */
	uint64_t lost;	    /* events the kernel reported dropped: the
			       socket's drop counter, plus sequence gaps that
			       no drop explains (unfiltered handles only) */
	uint64_t overruns;  /* times the receive buffer overflowed (ENOBUFS) */
	uint64_t acks;	    /* subscription ACKs from the kernel, any
			       listener's (a forged one is foreign) */
	uint64_t malformed; /* refused: lengths disagree, truncated */
	uint64_t foreign;   /* refused: not from the kernel's proc connector */
	uint64_t seq_gaps;  /* events missing from the per-CPU sequence
			       (unfiltered handles only; 0 otherwise) */
	uint64_t captures_late; /* exec snapshots (capture) read when the exec
				   was dispatched, not ahead: the exec-only
				   subscription had lost or not yet seen it */
};

/*
 * Copies the counters into *out. size is sizeof(*out) as the caller
 * knows it: an older, smaller struct gets what fits, a newer, larger one
 * has the members this library does not know zeroed. Returns 0, or
 * -EINVAL for a NULL argument.
 */
int garlic_get_counters(const struct garlic *g, struct garlic_counters *out,
			size_t size);

/* Why events were lost (struct garlic_loss.cause). */
enum garlic_loss_cause {
	/* The receive buffer overflowed; counted by the socket. */
	GARLIC_LOSS_OVERRUN = 1,
	/* A sequence gap no overrun explains (the kernel failed to send). */
	GARLIC_LOSS_SEQUENCE = 2,
};

struct garlic_loss {
	uint32_t cause;	     /* GARLIC_LOSS_* */
	uint32_t reserved;
	uint64_t lost;	     /* events lost in this report; 0 when the
				kernel could not say how many */
	uint64_t total_lost; /* garlic_counters.lost after this report */
};

/*
 * Called when garlic learns that events were lost. Returns as every
 * garlic callback (0 go on, > 0 stop, < 0 stop with that error).
 */
typedef int (*garlic_loss_fn)(const struct garlic_loss *loss, void *userdata);

/*
 * Sets (or, with fn NULL, removes) the loss callback. While one is set,
 * garlic_receive() reports loss through it instead of returning -ENOBUFS.
 * Returns 0, or -EINVAL for a NULL handle.
 */
int garlic_set_loss_fn(struct garlic *g, garlic_loss_fn fn, void *userdata);

/*
 * Reads the socket's drop counter and reports any new loss (through the
 * loss callback, and the counters). garlic_receive() does this by itself;
 * a libnl application calls it when nl_recvmsgs() fails with
 * -NLE_NOMEM, which is how libnl reports ENOBUFS.
 * Returns the number of newly lost events (at most INT_MAX), -EBUSY from
 * inside a callback, the loss callback's negative return value, or
 * -EINVAL for NULL.
 */
int garlic_check_loss(struct garlic *g);

/* errors */

/*
 * A sentence for err, which may be any value this library returns
 * (negative errno; the sign is ignored). Never NULL; the string is
 * static.
 */
const char *garlic_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* GARLIC_GARLIC_H */
