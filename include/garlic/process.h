/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * garlic - process snapshots: what a pid is running, read from /proc.
 *
 * An event names a pid; a snapshot says what that pid is: its argv, its
 * program, its working directory, ids, start time, cgroup and pid in its
 * own pid namespace. Each field says whether it was read and, when not,
 * why (gone, kernel thread, zombie, permission), never an empty string.
 *
 * Trust: exe, comm, the ids, the start time, the cgroup and NSpid are
 * kept by the kernel. argv is memory of the process itself: it can
 * rewrite it at any time (setproctitle(), prctl(PR_SET_MM)), so a program
 * that calls itself "cron -f" may be anything; its exe path is the truth.
 *
 * A snapshot is read after the fact: a process that has already exited is
 * a zombie (exe, cwd and argv are gone, the rest is still there) or gone.
 * Fields are read one after another, not atomically: a process that execs
 * meanwhile may give one program's argv and the next one's exe. With pid,
 * start_ticks identifies a process for its life (pids are reused).
 *
 * Thread-safe: garlic_process_read() shares no state between calls.
 */
#ifndef GARLIC_PROCESS_H
#define GARLIC_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fields of a snapshot: garlic_process_read()'s fields, OR'ed. */
#define GARLIC_PROCESS_ARGV   (1u << 0) /* /proc/PID/cmdline: written by the process, may be rewritten */
#define GARLIC_PROCESS_EXE    (1u << 1) /* /proc/PID/exe: the kernel's truth */
#define GARLIC_PROCESS_CWD    (1u << 2) /* /proc/PID/cwd */
#define GARLIC_PROCESS_IDS    (1u << 3) /* real and effective uid and gid (/proc/PID/status) */
#define GARLIC_PROCESS_STAT   (1u << 4) /* comm, state, ppid, start time (/proc/PID/stat) */
#define GARLIC_PROCESS_CGROUP (1u << 5) /* the cgroup v2 path (the "0::" line of /proc/PID/cgroup) */
#define GARLIC_PROCESS_NSPID  (1u << 6) /* pid in the process's own pid namespace (NSpid) */
#define GARLIC_PROCESS_COMM   (1u << 7) /* comm alone (/proc/PID/comm): the name for a
					   fraction of STAT's cost (0.2.0) */
#define GARLIC_PROCESS_ALL                                                    \
	(GARLIC_PROCESS_ARGV | GARLIC_PROCESS_EXE | GARLIC_PROCESS_CWD |      \
	 GARLIC_PROCESS_IDS | GARLIC_PROCESS_STAT | GARLIC_PROCESS_CGROUP |   \
	 GARLIC_PROCESS_NSPID | GARLIC_PROCESS_COMM)

/* Why a field was or was not read: the *_state members of struct garlic_process. */
enum garlic_process_state {
	GARLIC_PROCESS_OK = 0,		  /* read */
	GARLIC_PROCESS_NOT_ASKED = 1,	  /* not in fields: nothing was read for it */
	GARLIC_PROCESS_GONE = 2,	  /* the process exited and was reaped meanwhile */
	GARLIC_PROCESS_KERNEL_THREAD = 3, /* kernel threads have no argv, exe or cwd */
	GARLIC_PROCESS_ZOMBIE = 4,	  /* exited or exiting, not yet reaped: argv, exe
					     and cwd are gone */
	GARLIC_PROCESS_DENIED = 5,	  /* no permission: another user's exe or cwd
					     without CAP_SYS_PTRACE, hidepid= */
	GARLIC_PROCESS_FAILED = 6,	  /* another error: the field's *_error says which */
	GARLIC_PROCESS_UNSUPPORTED = 7,	  /* this kernel does not give it: no cgroup v2
					     hierarchy, no NSpid (before Linux 4.1) */
	GARLIC_PROCESS_REPLACED = 8,	  /* an exec event's snapshot only: the process
					     exec'd again before it could be read, so
					     /proc shows the later program (or, caught
					     between programs, an empty command line),
					     not this one */
};

/*
 * A snapshot, allocated and owned by the library: callers only read it.
 * Members are only ever added at the end. A member of a field that is not
 * OK is 0 or NULL.
 */
struct garlic_process {
	pid_t pid;	 /* as asked */
	uint32_t fields; /* the fields asked for */

	/* enum garlic_process_state of each field */
	uint8_t argv_state, exe_state, cwd_state, ids_state, stat_state,
		cgroup_state, nspid_state;
	/* The positive errno behind a state other than OK and NOT_ASKED, or 0
	 * when the state was learnt otherwise (from /proc/PID/stat). */
	int argv_error, exe_error, cwd_error, ids_error, stat_error,
		cgroup_error, nspid_error;

	/*
	 * ARGV: /proc/PID/cmdline byte for byte, as the process left it:
	 * argc arguments, each NUL-terminated, back to back, argv_len bytes
	 * (the last NUL included); empty arguments, newlines and bytes that
	 * are not UTF-8 are kept. A NUL always follows at argv[argv_len], so
	 * the last argument is a C string even when the process left none
	 * (setproctitle() style: then argv[argv_len - 1] is not NUL) or when
	 * argv_truncated says the kernel had more than argv_max bytes (then
	 * argv_len == argv_max and the last argument is cut). A live process
	 * may have argc 0 (it emptied its cmdline with prctl(PR_SET_MM)).
	 */
	bool argv_truncated;
	const char *argv;
	size_t argv_len;
	unsigned int argc;

	const char *exe; /* EXE: " (deleted)" suffix as the kernel gives it */
	const char *cwd; /* CWD: " (deleted)" likewise */

	uint32_t ruid, euid, rgid, egid; /* IDS: in the reader's user namespace */

	/* STAT (comm: or COMM) */
	char comm[16];		    /* NUL-terminated, may hold any other byte */
	char state;		    /* 'R', 'S', 'D', 'Z', ... */
	pid_t ppid;		    /* 0 when the parent is outside the reader's pid namespace */
	uint64_t start_ticks;	    /* stat's starttime: clock ticks (sysconf(_SC_CLK_TCK))
				       after boot; with pid, names the process for its life */
	uint64_t start_boottime_ns; /* the same in ns of CLOCK_BOOTTIME, so no finer
				       than a tick (10 ms); events' timestamps are
				       CLOCK_MONOTONIC, which stops in suspend */

	const char *cgroup; /* CGROUP: e.g. "/system.slice/cron.service" */

	/* NSPID: the process's pid in the innermost pid namespace it is in,
	 * == pid outside any; ns_level counts the namespaces below the
	 * reader's /proc (0: the same one). */
	pid_t ns_pid;
	unsigned int ns_level;

	/* COMM: comm above, read alone, or taken from stat when STAT is asked too. */
	uint8_t comm_state;
	int comm_error;
};

/* Default and largest argv_max: the kernel's own argv limit is about this. */
#define GARLIC_PROCESS_ARGV_DEFAULT (128 * 1024)

/*
 * Reads a snapshot of the process (or thread) pid from /proc: only the
 * fields asked for (GARLIC_PROCESS_*, OR'ed; 0 only checks that pid
 * exists). argv_max is the most argv bytes kept, 0 for
 * GARLIC_PROCESS_ARGV_DEFAULT; larger values are lowered to it.
 *
 * Returns 0 and sets *out (free it with garlic_process_free()); a field
 * that could not be read says why in its *_state. Or, leaving *out
 * untouched:
 *   -EINVAL  out is NULL, pid <= 0 or fields has unknown bits
 *   -ESRCH   no such process (in the pid namespace of /proc), or it was
 *            reaped before any field could be read
 *   -ENOENT  /proc is not mounted (no procfs there)
 *   -ENOMEM  out of memory
 *   -EMFILE, -ENFILE  no file descriptor left to open /proc/PID
 *   another negative errno from opening /proc/PID (-EACCES under hidepid=)
 */
int garlic_process_read(struct garlic_process **out, pid_t pid, uint32_t fields,
			size_t argv_max);

/* Frees a snapshot from garlic_process_read(); NULL is fine. */
void garlic_process_free(struct garlic_process *p);

#ifdef __cplusplus
}
#endif

#endif /* GARLIC_PROCESS_H */
