/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * garlic's taskstats half: per-task accounting at exit or on demand, and
 * the joiner that pairs exit events with it. Return values and callbacks
 * follow <garlic/garlic.h>.
 */
#ifndef GARLIC_TASKSTATS_H
#define GARLIC_TASKSTATS_H

#include <garlic/garlic.h>

#ifdef __cplusplus
extern "C" {
#endif

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
 * Returns as every garlic callback (0 go on, > 0 stop, < 0 stop with that
 * error); a stop takes effect after the message at hand (a task's record
 * and its process's share one, and are delivered together).
 */
typedef int (*garlic_taskstats_fn)(const struct garlic_taskstats *stats,
				   void *userdata);

/*
 * Options for garlic_taskstats_open(); make one with
 * GARLIC_TASKSTATS_OPTS(...). Zero members mean the defaults; members are
 * only ever added at the end, and non-zero members this library does not
 * know are refused (-EINVAL).
 */
struct garlic_taskstats_opts {
	size_t sz;		/* sizeof(struct garlic_taskstats_opts) */
	/*
	 * The CPUs whose exits to hear, as a list such as "0-3,8"; NULL:
	 * every possible CPU, which a listener wanting every exit needs.
	 */
	const char *cpumask;
	uint32_t flags;		/* GARLIC_OPEN_NONBLOCK or 0 */
	int rcvbuf;		/* bytes; 0: 8 MiB (16 MiB as the kernel
				   counts it: ~13 000 records) */
};

#define GARLIC_TASKSTATS_OPTS(...) \
	((struct garlic_taskstats_opts){ .sz = sizeof(struct garlic_taskstats_opts), __VA_ARGS__ })

/*
 * Registers for the exit statistics of tasks that exit on the CPUs of
 * opts->cpumask (opts may be NULL: every CPU, the defaults). At each exit
 * the kernel sends the task's record and, when the last task of a
 * multi-threaded process exits, the process's record after it, in one
 * message. Records of tasks that exit while this call runs may be missed.
 * Every descriptor is close-on-exec.
 *
 * Returns 0 and sets *out, or (leaving *out untouched):
 *   -EINVAL        out or fn is NULL, opts->sz too small, unknown flags,
 *                  non-zero members this library does not know, cpumask
 *                  empty, not a CPU list ("1-0") or naming a CPU in a hole
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
			  const struct garlic_taskstats_opts *opts,
			  garlic_taskstats_fn fn, void *userdata);

/*
 * Deregisters, closes the listener's descriptors and frees it. NULL is a
 * no-op. In a child forked after garlic_taskstats_open() it only closes
 * and frees (the registration is the parent's). It may be called from
 * inside the callback: the listener is then freed when the callback
 * returns, and the garlic_taskstats_receive() that called it returns at
 * once with the records delivered so far.
 */
void garlic_taskstats_close(struct garlic_taskstats_listener *l);

/*
 * The listener's fd for poll/epoll loops (an epoll descriptor: poll it
 * for input only): readable exactly when garlic_taskstats_receive() has
 * work, records or an error to report. Returns it, or -EINVAL for NULL.
 */
int garlic_taskstats_fd(const struct garlic_taskstats_listener *l);

/*
 * Reads what is queued, up to a bounded batch, and calls fn per record.
 * A non-blocking listener never waits; a blocking one waits for a record.
 * EINTR is retried. Returns the records delivered (0 is possible: what
 * was read held none), or:
 *   -EAGAIN   non-blocking and nothing queued
 *   -ENOBUFS  the receive buffer overflowed and the kernel dropped
 *             records; listening goes on: call again
 *   -EBUSY    called from inside the callback
 *   -EINVAL   l is NULL
 *   the callback's negative return value
 *   another errno from recvmsg(2)
 * An error met after records were delivered in the same call is kept
 * (and the fd stays readable): that call returns their count, and the
 * next one returns the error.
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
 * GARLIC_TASKSTATS_TASK, id == exit->pid), or with NULL when none came
 * within wait_ms of the exit event being fed: no exit is ever dropped.
 * For a multi-threaded process the paired record is its main thread's;
 * the process's sums come as a separate GARLIC_TASKSTATS_PROCESS record,
 * which the joiner does not pair. A wait of 100-200 ms covers what was
 * measured; an exit then reaches fn that much later when its record never
 * comes (the listener's CPU mask leaves out the CPU, or records were
 * lost).
 *
 * Records are matched by pid (and tgid, version 12 on), so a listener
 * covering every CPU and events of every exit make every pair.
 */
struct garlic_exit_joiner;

/*
 * Called once per exit, with its record or NULL. Returns as every garlic
 * callback (0 go on, > 0 stop, < 0 stop with that error). It must not
 * feed, flush or free the joiner.
 */
typedef int (*garlic_exit_fn)(const struct garlic_event *exit,
			      const struct garlic_taskstats *stats,
			      void *userdata);

/*
 * Returns 0 and sets *out, or -EINVAL (out or fn NULL), -ENOMEM, or an
 * errno from timerfd_create(2).
 */
int garlic_exit_joiner_new(struct garlic_exit_joiner **out, unsigned int wait_ms,
			   garlic_exit_fn fn, void *userdata);
/* Frees the joiner without delivering what waits in it. NULL is a no-op. */
void garlic_exit_joiner_free(struct garlic_exit_joiner *j);
/*
 * Feed an exit event (other kinds are ignored) or a record (process
 * records are ignored). Either may deliver: the pair it completes, or,
 * when 1024 exits already wait, the oldest with NULL. A record that
 * waits longer than wait_ms for its exit is dropped. Returns the pairs
 * delivered, fn's negative return value, or -EINVAL for a NULL argument.
 */
int garlic_exit_joiner_add_event(struct garlic_exit_joiner *j,
				 const struct garlic_event *ev);
int garlic_exit_joiner_add_stats(struct garlic_exit_joiner *j,
				 const struct garlic_taskstats *stats);
/*
 * The joiner's fd for poll/epoll loops (a timerfd: poll it for input
 * only): readable exactly when exits are due, their wait for a record
 * being over. Then call garlic_exit_joiner_flush(j, 0). Returns it, or
 * -EINVAL for NULL.
 */
int garlic_exit_joiner_fd(const struct garlic_exit_joiner *j);
/*
 * Delivers, with NULL, the exits whose wait is over, or every waiting
 * exit when all is non-zero (before freeing the joiner, for instance),
 * oldest first, until fn stops. Returns the pairs delivered, fn's negative
 * return value, or -EINVAL for NULL.
 */
int garlic_exit_joiner_flush(struct garlic_exit_joiner *j, int all);

#ifdef __cplusplus
}
#endif

#endif /* GARLIC_TASKSTATS_H */
