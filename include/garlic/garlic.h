/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * garlic - Linux process events from the kernel's proc connector.
 *
 * This header is the manual. Every function returns 0 (or a count) on
 * success and a negative errno on failure; garlic_strerror() turns any of
 * them into a sentence. Nothing in the library prints.
 *
 * Thread safety: a struct garlic is not locked. Use each handle from one
 * thread at a time (different handles are independent and may be used
 * from different threads at once). The free functions (names, filter,
 * strerror, realtime conversion) are thread-safe.
 */
#ifndef GARLIC_GARLIC_H
#define GARLIC_GARLIC_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nl_sock;
struct nl_cb;
struct nl_msg;
struct sock_filter;

/* events */

/*
 * Event kinds: the kernel's own values (include/uapi/linux/cn_proc.h),
 * usable as a bit mask in garlic_open().
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

/* Every kind garlic knows; garlic_open() with this or 0 installs no filter. */
#define GARLIC_EVENT_ALL                                                      \
	(GARLIC_EVENT_FORK | GARLIC_EVENT_EXEC | GARLIC_EVENT_UID |            \
	 GARLIC_EVENT_GID | GARLIC_EVENT_SID | GARLIC_EVENT_PTRACE |           \
	 GARLIC_EVENT_COMM | GARLIC_EVENT_NONZERO_EXIT |                       \
	 GARLIC_EVENT_COREDUMP | GARLIC_EVENT_EXIT)

/*
 * One process event, as the kernel reported it.
 *
 * - All pids, tgids and ids are those of the initial pid and user
 *   namespaces, whatever namespace the listener runs in.
 * - A pid is a task (thread) id; the tgid is the process id. A process
 *   exit is the exit event with process_pid == process_tgid.
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
 * - Kinds garlic does not know yet are delivered with their type and the
 *   kernel's 24 bytes of event data copied into the union as they came.
 */
struct garlic_event {
	uint32_t type;		/* one GARLIC_EVENT_* */
	uint32_t cpu;		/* CPU that generated the event */
	uint64_t timestamp_ns;	/* the kernel's CLOCK_MONOTONIC stamp */
	union {
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
	};
	/*
	 * The kernel's per-CPU sequence number of this message (cn_msg.seq).
	 * Numbers are shared by all listeners and consumed by events a filter
	 * dropped, so a gap alone does not mean loss: see garlic_counters.
	 */
	uint32_t seq;
};

/*
 * Called once per event. The event is valid only during the call.
 * Return 0 to go on; non-zero stops the current garlic_receive() early
 * (events still queued stay queued for the next call).
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
 * Parses a comma-separated list of names ("fork,exec,exit"; "all" means
 * every kind) into a mask. Returns 0 and sets *mask, or -EINVAL when an
 * element is empty or unknown (*mask is then untouched).
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
 * Opens a netlink socket on the proc connector, subscribes to it and,
 * when events selects some kinds, installs a filter so that only those
 * kinds are delivered.
 *
 * events: OR of GARLIC_EVENT_*; 0 or GARLIC_EVENT_ALL means every kind.
 * fn: called for each event from garlic_receive(); must not be NULL.
 *
 * The socket is blocking and close-on-exec; its receive buffer is
 * GARLIC_DEFAULT_RCVBUF bytes (see garlic_set_rcvbuf()).
 *
 * Returns 0 and sets *out, or a negative errno (leaving *out untouched):
 *   -EINVAL           fn or out is NULL, or events has unknown bits
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
int garlic_open(struct garlic **out, uint32_t events, garlic_event_fn fn,
		void *userdata);

/*
 * Receive buffer garlic_open() asks for. The kernel doubles it: 16 MiB,
 * room for ~20 000 queued events, which a fork storm on a 2-CPU machine
 * does not fill.
 */
#define GARLIC_DEFAULT_RCVBUF (8 * 1024 * 1024)

/* Which filter a handle's subscription uses (garlic_filter_mode()). */
enum garlic_filter_mode {
	GARLIC_FILTER_NONE = 0,	  /* every kind is delivered */
	GARLIC_FILTER_BPF = 1,	  /* classic BPF on the socket */
	GARLIC_FILTER_KERNEL = 2, /* the kernel's own filter (Linux >= 6.6) */
};

/* Flags for struct garlic_open_opts. */
#define GARLIC_OPEN_NONBLOCK	(1u << 0) /* the socket is O_NONBLOCK */
#define GARLIC_OPEN_FORCE_BPF	(1u << 1) /* never use the kernel filter */

/*
 * Options for garlic_open_opts(). Zero-initialise it, set sz to
 * sizeof(struct garlic_open_opts) and only the members you need: a zero
 * member means the default. Members are only ever added at the end.
 */
struct garlic_open_opts {
	size_t sz;
	uint32_t events;	   /* as in garlic_open() */
	uint32_t flags;		   /* GARLIC_OPEN_* */
	int rcvbuf;		   /* bytes; 0: GARLIC_DEFAULT_RCVBUF */
	unsigned int ack_timeout_ms; /* 0: 1000 */
	unsigned int latency_budget_us; /* see garlic_set_latency_budget() */
};

/*
 * garlic_open() with options. Returns as garlic_open(); also -EINVAL when
 * opts is NULL, opts->sz is too small or opts->flags has unknown bits.
 */
int garlic_open_opts(struct garlic **out, const struct garlic_open_opts *opts,
		     garlic_event_fn fn, void *userdata);

/*
 * Unsubscribes (PROC_CN_MCAST_IGNORE: closing the socket alone does not
 * lower the kernel's listener count), closes the socket unless the caller
 * owns it (garlic_attach()), and frees the handle. NULL is a no-op.
 *
 * It may be called from inside the event or loss callback: the handle is
 * then freed when the callback returns, and the garlic_receive() that
 * called it returns at once with the events dispatched so far.
 */
void garlic_close(struct garlic *g);

/*
 * The socket's file descriptor, for poll/epoll/GLib/libevent loops:
 * readable means garlic_receive() has work. Set O_NONBLOCK on it (or use
 * GARLIC_OPEN_NONBLOCK) to make garlic_receive() never block.
 * Returns the fd, or -EINVAL for NULL.
 */
int garlic_fd(struct garlic *g);

/*
 * Reads what is queued on the socket and calls fn for each event, up to
 * a bounded batch so that a busy stream cannot hold the caller forever.
 * Blocks only if the socket is blocking and nothing is queued. EINTR is
 * retried.
 *
 * Returns the number of events dispatched (0 is possible: every message
 * read was an ACK or was refused), or a negative errno:
 *   -EAGAIN   non-blocking and nothing queued
 *   -ENOBUFS  the kernel dropped events because the receive buffer was
 *             full, and no loss callback is set (see garlic_set_loss_fn);
 *             the count is in garlic_counters, listening goes on: call
 *             again
 *   -EINVAL   g is NULL
 *   another errno from recvmmsg(2)
 */
int garlic_receive(struct garlic *g);

/*
 * Events already read from the socket but not dispatched, because a
 * callback stopped garlic_receive() early. The fd does not signal them:
 * when this is not 0, call garlic_receive() before waiting on the fd
 * again. Returns the count, or -EINVAL for NULL.
 */
int garlic_pending(struct garlic *g);

/* The largest latency budget garlic_set_latency_budget() takes: 1 s. */
#define GARLIC_MAX_LATENCY_BUDGET_US 1000000u

/*
 * Trades latency for CPU under load. With a budget, when events come
 * faster than one per budget, garlic_receive(), once the first event of a
 * burst is in, waits until that event is `us` microseconds old (by its
 * kernel timestamp) and then reads everything queued meanwhile in one go:
 * one wake-up for many events instead of one each. An event after a
 * quiet spell is delivered at once. Every event is delivered at most
 * about the budget after it happened. garlic_receive() may sleep up to the
 * budget even on a non-blocking socket (only once something is queued).
 * The receive buffer must hold a budget's worth of events (~860 bytes
 * each). 0, the default, delivers at once. Returns 0, or -EINVAL for a
 * NULL handle or us > GARLIC_MAX_LATENCY_BUDGET_US.
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

/*
 * Which filter delivers the subscription's kinds: GARLIC_FILTER_*, or
 * -EINVAL for NULL.
 */
int garlic_filter_mode(struct garlic *g);

/* The kinds the handle is subscribed to (GARLIC_EVENT_ALL for all). */
uint32_t garlic_events(struct garlic *g);

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
};

/*
 * Copies the counters into *out. size is sizeof(*out) as the caller
 * knows it, so that older programs keep working when members are added.
 * Returns 0, or -EINVAL for a NULL argument.
 */
int garlic_get_counters(struct garlic *g, struct garlic_counters *out,
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
 * Called when garlic learns that events were lost. Return 0 to go on,
 * non-zero to stop the current garlic_receive() early.
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
 * Returns the number of newly lost events, or a negative errno.
 */
int garlic_check_loss(struct garlic *g);

/* libnl integration */

/*
 * The handle's libnl socket (owned by the handle unless it came from
 * garlic_attach()). Returns NULL for a NULL handle.
 */
struct nl_sock *garlic_nl_sock(struct garlic *g);

/*
 * Subscribes the caller's libnl socket sk to the proc connector: connects
 * it to NETLINK_CONNECTOR if it is not connected yet, disables libnl's
 * sequence check (the kernel numbers these messages its own way), sets
 * the receive buffer, joins the CN_IDX_PROC group, attaches the filter
 * for events and sends LISTEN. The caller keeps owning sk; garlic_close()
 * unsubscribes and frees the handle but leaves sk open.
 *
 * Events reach fn either through garlic_receive() or, in the caller's own
 * nl_recvmsgs() loop, through garlic_nl_register(). Returns as
 * garlic_open(), plus -EINVAL when sk is NULL or connected to another
 * protocol.
 */
int garlic_attach(struct garlic **out, struct nl_sock *sk, uint32_t events,
		  garlic_event_fn fn, void *userdata);

/*
 * Installs garlic's message handler on cb so that nl_recvmsgs(sk, cb)
 * delivers parsed events to the handle's callback. Connector messages
 * have nlmsg_type NLMSG_DONE, so libnl hands them to NL_CB_FINISH (never
 * NL_CB_VALID): that is the hook garlic takes. It also turns off cb's
 * sequence check (NL_CB_SEQ_CHECK), which would refuse them. garlic_close()
 * puts the NL_CB_FINISH hook back to libnl's default. Returns 0, or -EINVAL for NULL arguments.
 */
int garlic_nl_register(struct garlic *g, struct nl_cb *cb);

/*
 * The handler itself, an nl_recvmsg_msg_cb_t taking the struct garlic as
 * its argument, for applications that install it on a hook of their
 * choice. Returns NL_OK, or NL_STOP when the callback asked to stop.
 */
int garlic_nl_handler(struct nl_msg *msg, void *garlic);

/* filter */

/* Room garlic_filter_build() ever needs, in instructions. */
#define GARLIC_FILTER_MAX_INSNS 16

/*
 * Writes into insns (room for max instructions) a classic BPF socket
 * filter passing only the kinds in events, plus the kernel's ACKs. With
 * GARLIC_EVENT_NONZERO_EXIT but not GARLIC_EVENT_EXIT it passes only exits
 * whose exit_code is not 0. Returns the number of instructions, or
 * -EINVAL for unknown bits in events, 0 events, or NULL insns, or -ENOSPC
 * when max is too small.
 */
int garlic_filter_build(uint32_t events, struct sock_filter *insns,
			unsigned int max);

/*
 * Builds that filter and attaches it to fd with SO_ATTACH_FILTER; with
 * events 0 or GARLIC_EVENT_ALL it detaches any filter instead.
 * Returns 0 or a negative errno.
 */
int garlic_filter_attach(int fd, uint32_t events);

/* taskstats */

/*
 * Per-task accounting from the kernel's TASKSTATS generic netlink family
 * (CONFIG_TASKSTATS; I/O bytes need CONFIG_TASK_IO_ACCOUNTING). Every
 * call here needs CAP_NET_ADMIN, and the exit stream works only from the
 * initial pid, user and network namespaces.
 *
 * garlic reads the kernel's record by its version and the length the
 * kernel gave it, never by the size of an installed header's struct
 * (Linux 6.18 sends version 16, 560 bytes; Debian 12's header describes
 * 13): a field the sending kernel's version does not have stays 0.
 */

/* struct garlic_taskstats.flags: the kernel's accounting flags. */
#define GARLIC_TASKSTATS_FORK	0x01 /* forked but did not exec (AFORK) */
#define GARLIC_TASKSTATS_SU	0x02 /* used super-user privileges (ASU) */
#define GARLIC_TASKSTATS_CORE	0x08 /* dumped core (ACORE) */
#define GARLIC_TASKSTATS_XSIG	0x10 /* killed by a signal (AXSIG) */
#define GARLIC_TASKSTATS_GROUP	0x20 /* last task of its process (AGROUP) */

/* What a struct garlic_taskstats describes. */
enum garlic_taskstats_scope {
	GARLIC_TASKSTATS_TASK = 1,    /* one task (thread): id is its pid */
	GARLIC_TASKSTATS_PROCESS = 2, /* a whole thread group: id is its tgid */
};

/*
 * One record. Pids and ids are those of the initial namespaces (of the
 * caller's, for garlic_taskstats_query_*()).
 *
 * A task record (GARLIC_TASKSTATS_TASK) has every field. A process
 * record (GARLIC_TASKSTATS_PROCESS: garlic_taskstats_query_tgid(), or the
 * one the kernel adds when the last task of a multi-threaded process
 * exits) holds only sums over the process's tasks; on Linux 6.18 those
 * are elapsed_us (each task's elapsed time, added up), user_us,
 * system_us, the context switches and the delay fields (older kernels
 * fill fewer), while its pid, name, ids, exit code, memory and I/O fields
 * are 0.
 *
 * Times are microseconds unless the name says otherwise. user_us and
 * system_us are sampled at timer ticks (4 ms at HZ=250), so short tasks
 * show multiples of the tick; cpu_run_virtual_ns is the exact run time.
 * The delay fields are counts and nanosecond totals of waits; apart from
 * the CPU ones they stay 0 unless the kernel has CONFIG_TASK_DELAY_ACCT
 * and delay accounting is on (sysctl kernel.task_delayacct=1 or the
 * "delayacct" boot parameter).
 */
struct garlic_taskstats {
	uint32_t scope;		/* GARLIC_TASKSTATS_TASK or _PROCESS */
	uint32_t id;		/* the pid or tgid the record is about */
	/* The kernel's TASKSTATS_VERSION; 0 when it did not say (process
	   records at exit before Linux fixed that: read as the layout every
	   version shares). */
	uint16_t version;
	uint8_t flags;		/* GARLIC_TASKSTATS_* */
	int8_t nice;		/* the task's nice value */
	uint32_t exit_code;	/* raw wait status, as in struct garlic_event */
	uint32_t pid, ppid;	/* the task and its parent's tgid */
	uint32_t tgid;		/* the task's process (version 12 on) */
	uint32_t uid, gid;	/* real ids */
	char comm[32];		/* the task's name, NUL-terminated */
	uint64_t begin_time;	/* start, seconds since the epoch */
	uint64_t elapsed_us;	/* wall time from start to exit (or now) */
	uint64_t user_us, system_us; /* CPU time, sampled at ticks */
	uint64_t minor_faults, major_faults;
	/* Peak resident and virtual memory of the task's address space. */
	uint64_t hiwater_rss_kib, hiwater_vm_kib;
	/* The kernel rounds the next eight fields down to a multiple of 1024,
	   even the counts. Bytes through read/write system calls, and the
	   number of those calls: */
	uint64_t read_chars, write_chars;
	uint64_t read_syscalls, write_syscalls;
	/* Storage I/O the task caused: bytes it made the kernel read from, or
	   dirtied in the page cache for, a block device. A file system without
	   one (tmpfs) counts 0; writes are counted when dirtied, not when
	   written back. */
	uint64_t read_bytes, write_bytes;
	uint64_t cancelled_write_bytes; /* dirtied, then truncated before
					   write-back */
	uint64_t voluntary_switches, involuntary_switches;
	uint64_t cpu_delay_count, cpu_delay_ns;	    /* runnable, waiting for a CPU */
	uint64_t blkio_delay_count, blkio_delay_ns; /* waiting for block I/O */
	uint64_t swapin_delay_count, swapin_delay_ns;
	uint64_t freepages_delay_count, freepages_delay_ns; /* memory reclaim */
	uint64_t thrashing_delay_count, thrashing_delay_ns;
	uint64_t cpu_run_real_ns;    /* CPU time, from user_us + system_us */
	uint64_t cpu_run_virtual_ns; /* CPU time the scheduler measured, exact */
	uint64_t exe_dev, exe_inode; /* the program file (version 12 on; 0 for
					kernel threads) */
};

/*
 * Reads the statistics of a live task (garlic_taskstats_query_pid(), a
 * task record) or process (garlic_taskstats_query_tgid(), a process
 * record) into *out, through a socket opened and closed for the call.
 * size is sizeof(struct garlic_taskstats) as the caller was built: a
 * later library whose struct has grown fills only those bytes, and an
 * older one zeroes the bytes past its own struct (fields it cannot know).
 * A task that has exited is gone once reaped; until then (a zombie) it is
 * still found. Returns 0, or (leaving *out untouched):
 *   -EINVAL     pid <= 0, out is NULL, or size is less than the
 *               struct had in garlic 0.1 (its GARLIC_1 ABI)
 *   -EPERM      the caller lacks CAP_NET_ADMIN (TASKSTATS_CMD_GET is
 *               GENL_ADMIN_PERM on every kernel)
 *   -ENOENT     the kernel has no TASKSTATS family (CONFIG_TASKSTATS)
 *   -ESRCH      no such task or process (in the caller's pid namespace)
 *   -EBADMSG    the kernel's answer was malformed
 *   -ETIMEDOUT  no answer within a second
 *   -ENOMEM, or another errno from socket(2), send(2) or recv(2)
 */
int garlic_taskstats_query_pid(pid_t pid, struct garlic_taskstats *out, size_t size);
int garlic_taskstats_query_tgid(pid_t tgid, struct garlic_taskstats *out, size_t size);

/* A subscription to the statistics of every task that exits. Opaque. */
struct garlic_taskstats_listener;

/*
 * Called once per record; the record is valid only during the call.
 * Return non-zero to stop the current garlic_taskstats_receive() after
 * the message at hand (a task's record and its process's share one, and
 * are delivered together).
 */
typedef int (*garlic_taskstats_fn)(const struct garlic_taskstats *stats,
				   void *userdata);

/*
 * Registers for the exit statistics of tasks that exit on the CPUs in
 * cpumask (a list such as "0-3,8"; NULL: every possible CPU, which a
 * listener wanting every exit needs). At each exit the kernel sends the
 * task's record and, when the last task of a multi-threaded process
 * exits, the process's record after it, in one message. Records of tasks
 * that exit while this call runs may be missed.
 *
 * The socket is close-on-exec, with an 8 MiB receive buffer (16 MiB as
 * the kernel counts it: ~13 000 records); GARLIC_OPEN_NONBLOCK in flags
 * makes it non-blocking. Returns 0 and sets *out, or (leaving *out
 * untouched):
 *   -EINVAL        out or fn is NULL, flags has other bits, cpumask is
 *                  empty, not a CPU list ("1-0") or names a CPU in a hole
 *                  of the possible ones; or the caller is not in the
 *                  initial pid and user namespaces (the kernel refuses
 *                  those)
 *   -ERANGE        cpumask names a CPU past the last possible one (on
 *                  most kernels; else past NR_CPUS, and -EINVAL below)
 *   -E2BIG         cpumask is longer than the kernel accepts
 *   -EPERM         the caller lacks CAP_NET_ADMIN
 *   -ENOENT        the kernel has no TASKSTATS family (CONFIG_TASKSTATS)
 *   -ECONNREFUSED  the caller is not in the initial network namespace,
 *                  where the kernel sends every exit record
 *   -ETIMEDOUT     the kernel did not confirm the registration
 *   -ENOMEM, or another errno from socket(2), send(2) or recv(2)
 */
int garlic_taskstats_open(struct garlic_taskstats_listener **out,
			  const char *cpumask, uint32_t flags,
			  garlic_taskstats_fn fn, void *userdata);

/*
 * Deregisters, closes the socket and frees the listener. NULL is a no-op.
 * It may be called from inside the callback: the listener is then freed
 * when the callback returns, and the garlic_taskstats_receive() that
 * called it returns at once with the records delivered so far.
 */
void garlic_taskstats_close(struct garlic_taskstats_listener *l);

/*
 * The socket's fd for poll/epoll loops: readable means
 * garlic_taskstats_receive() has work. Returns it, or -EINVAL for NULL.
 */
int garlic_taskstats_fd(struct garlic_taskstats_listener *l);

/*
 * Reads what is queued, up to a bounded batch, and calls fn per record.
 * Blocks only if the socket is blocking and nothing is queued; EINTR is
 * retried. Returns the records delivered (0 is possible: what was read
 * held none), or:
 *   -EAGAIN   non-blocking and nothing queued
 *   -ENOBUFS  the receive buffer overflowed and the kernel dropped
 *             records; listening goes on: call again
 *   -EINVAL   l is NULL
 *   another errno from recvmsg(2)
 * An error met after records were delivered in the same call is kept:
 * that call returns their count, and the next one returns the error.
 */
int garlic_taskstats_receive(struct garlic_taskstats_listener *l);

/*
 * Pairing exit events with their statistics. In do_exit() the kernel
 * makes a task's statistics (taskstats_exit()) before its proc connector
 * exit event (proc_exit_connector()), but the two travel on different
 * sockets and either may be read first. Measured on 2 CPUs with a
 * reader per socket: of exits one at a time, 97-99.8% had their
 * statistics read first, typically ~0.4 ms before the event; in a fork
 * storm ~75% did, and either came up to ~30 ms after the other.
 *
 * A joiner is fed both streams: exit events from garlic_receive()'s
 * callback, records from garlic_taskstats_receive()'s. It calls fn once
 * for every exit event fed, with the task's record (scope
 * GARLIC_TASKSTATS_TASK, id == exit->exit.process_pid), or with NULL when
 * none came within wait_ms of the exit event being fed: no exit is ever
 * dropped. For a multi-threaded process the paired record is its main
 * thread's; the process's sums come as a separate GARLIC_TASKSTATS_PROCESS
 * record, which the joiner does not pair. A wait of 100-200 ms covers
 * what was measured; an exit then reaches fn that much later when its
 * record never comes (the listener's CPU mask leaves out the CPU, or
 * records were lost).
 *
 * Records are matched by pid (and tgid, version 12 on), so a listener
 * covering every CPU and events of every exit make every pair. fn must
 * not feed, flush or free the joiner.
 */
struct garlic_exit_joiner;

typedef int (*garlic_exit_fn)(const struct garlic_event *exit,
			      const struct garlic_taskstats *stats,
			      void *userdata);

/*
 * Returns 0 and sets *out, or -EINVAL (out or fn NULL) or -ENOMEM. fn's
 * return value is ignored.
 */
int garlic_exit_joiner_new(struct garlic_exit_joiner **out, unsigned int wait_ms,
			   garlic_exit_fn fn, void *userdata);
/* Frees the joiner without delivering what waits in it. NULL is a no-op. */
void garlic_exit_joiner_free(struct garlic_exit_joiner *j);
/*
 * Feed an exit event (other kinds are ignored) or a record (process
 * records are ignored). Either may deliver pairs: the one it completes,
 * or, when 1024 exits already wait, the oldest with NULL. A record that
 * waits longer than wait_ms for its exit is dropped. Returns the pairs
 * delivered, or -EINVAL for a NULL argument.
 */
int garlic_exit_joiner_add_event(struct garlic_exit_joiner *j,
				 const struct garlic_event *ev);
int garlic_exit_joiner_add_stats(struct garlic_exit_joiner *j,
				 const struct garlic_taskstats *stats);
/*
 * Delivers, with NULL, the exits whose wait is over, or every waiting
 * exit when all is non-zero (before freeing the joiner, for instance).
 * Returns the pairs delivered, or -EINVAL for NULL.
 */
int garlic_exit_joiner_flush(struct garlic_exit_joiner *j, int all);
/*
 * Milliseconds until the oldest waiting exit is due, for a poll()
 * timeout (then call garlic_exit_joiner_flush()); -1 when nothing waits.
 */
int garlic_exit_joiner_timeout(struct garlic_exit_joiner *j);

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
