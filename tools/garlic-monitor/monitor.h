/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_H
#define GARLIC_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <garlic/garlic.h>
#include <garlic/taskstats.h>

#define PROGRAM "garlic-monitor"

/* What the person asked for (main.c). */
struct options {
	uint32_t events;	/* what is printed; 0: all */
	bool json;
	bool tree;
	bool quiet;
	bool stats;
	bool color;
	pid_t pid;		/* 0: every process */
	bool children;
	unsigned long count;	/* 0: no limit */
	double duration;	/* seconds; 0: no limit */
	const char *output;	/* NULL: stdout */
	int rcvbuf;		/* 0: the library's default */
	double latency_ms;	/* the library's latency budget */
	bool taskstats;		/* pair exits with their statistics */
	bool journal;		/* events go to the systemd journal */
	const char *ready_file;	/* gets our pid once subscribed; NULL: none */
	bool context;		/* exec lines: exe, cwd, cgroup, unit, ns pid */
	bool numeric;		/* ids as numbers: no user or group name lookups */
	unsigned int argv_max;	/* argv bytes kept; 0: the library's default */
};

/* output.c: a buffered writer that knows when to flush and when to stop. */
struct out {
	int fd;
	const char *path;	/* reopened on SIGHUP when set */
	bool line_buffered;
	bool broken;		/* the reader went away (EPIPE): stop quietly */
	int error;		/* another write error (errno) */
	size_t len;
	char buf[65536];
};

int out_open(struct out *o, const char *path);
int out_reopen(struct out *o);
void out_flush(struct out *o);
void out_close(struct out *o);
void out_mem(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
/*
 * Text from processes (command lines, names) for a terminal or a line
 * log: control characters as \n, \t or \xNN, so that none can break
 * the one-line-per-event format or drive the terminal.
 */
void out_text(struct out *o, const char *s, size_t n);
void out_char(struct out *o, char c);
void out_u64(struct out *o, uint64_t v);
void out_i64(struct out *o, int64_t v);
/* Right-aligns v in width columns. */
void out_u64_pad(struct out *o, uint64_t v, int width);
void out_pad(struct out *o, const char *s, int width);
void out_json_str(struct out *o, const char *s, size_t n);
/* JSON null for a NULL string. */
void out_json_cstr(struct out *o, const char *s);
/*
 * One word (an argument, a name) as a POSIX shell would read it back:
 * bare when it is plain, in single quotes otherwise ('\'' for a quote),
 * or, when it holds control characters or bytes that are not UTF-8, in
 * $'...' with \n, \t, \xNN, \\ and \' escapes. Never ambiguous: a
 * backslash is only ever an escape inside $'...'.
 */
void out_shell_word(struct out *o, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (2 to 4), 0 if there is none. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* After each event: flushes a line-buffered stream, or a full buffer. */
void out_event_done(struct out *o);

/* proc.c: what the monitor knows about processes it has seen. */
struct proc {
	pid_t pid;		/* tgid; 0: empty slot */
	pid_t ppid;
	uint64_t start_ns;	/* fork (or first exec) timestamp; 0: unknown */
	unsigned int depth;	/* in the observed tree */
	bool tracked;		/* --pid --children: a descendant */
	bool in_tree;		/* seen at its fork or first exec: --tree depth counts */
	char comm[16];		/* its name as last learnt; "" unknown */
};

void proc_table_init(void);
struct proc *proc_find(pid_t pid);
struct proc *proc_add(pid_t pid);
void proc_remove(pid_t pid);
/*
 * The process entry of tgid, made on first meeting: a process born
 * before the monitor started is named once from /proc/PID/comm.
 */
struct proc *proc_meet(pid_t tgid);
/* Reads /proc/PID/comm into comm (16 bytes); false if it is gone. */
bool proc_read_comm(pid_t pid, char *comm);
void proc_set_comm(struct proc *p, const char *name, size_t n);
/* The parent of pid from /proc (for processes born before we listened). */
pid_t proc_read_ppid(pid_t pid);
/*
 * --pid --children: marks the descendants root already has as tracked,
 * from /proc, since no fork event will ever name them. Returns how many.
 */
unsigned int proc_seed_children(pid_t root);

/* names.c: cached user and group names ("" unknown, or with --numeric). */
extern bool names_numeric;
const char *user_name(uint32_t uid);
const char *group_name(uint32_t gid);

/* snapshot.c: what an exec ran. */
struct exec_info {
	const struct garlic_process *proc; /* NULL: nothing could be read */
	struct garlic_process *owned;	   /* read here, freed by exec_info_done() */
	char cmdline[8192];		   /* argv joined by spaces (the old "cmdline") */
	size_t cmdline_len;
	const char *unit;		   /* from the cgroup path; NULL: none */
	size_t unit_len;
	const char *container;		   /* a 64-hex container id in it; NULL: none */
};

/* The snapshot fields the monitor asks for at each exec. */
uint32_t exec_fields(const struct options *opt);
/*
 * Fills x for the exec event ev: the library's snapshot when it took one
 * (ev->process), else one read now. fields: what to read in that case.
 */
void exec_snapshot(struct exec_info *x, const struct garlic_event *ev, uint32_t fields,
		   size_t argv_max);
void exec_info_done(struct exec_info *x);
/* Why argv is missing ("gone", "zombie", "replaced", ...); NULL if it is there. */
const char *argv_unavailable(const struct exec_info *x);
/* The program's name as the exec left it: comm, or the basename of exe or argv[0]. */
bool exec_name(const struct exec_info *x, char *comm);
/*
 * In a cgroup v2 path, the systemd unit (the last element that ends in
 * .service, .scope, ...) and a container id (64 hex digits, alone or in
 * docker-ID.scope and the like). Returns false if there is none.
 */
bool cgroup_unit(const char *path, const char **unit, size_t *len);
bool cgroup_container(const char *path, const char **id);

/* Everything one event needs for printing. */
struct shown {
	const struct garlic_event *ev;
	pid_t pid, ppid;	/* columns */
	const char *cmdline;	/* exec */
	size_t cmdline_len;
	const struct exec_info *exec; /* exec */
	const char *comm;	/* the subject's name; NULL: unknown */
	bool comm_from_exec;	/* exec: comm names this program, not an earlier one */
	const char *parent_comm; /* fork: the parent's name */
	const char *prev_comm;	/* comm, exec: the process's name before it */
	unsigned int depth;	/* --tree */
	int64_t lifetime_ns;	/* exit: -1 if unknown */
	const struct garlic_taskstats *stats; /* exit, with --taskstats */
};

/* human.c and json.c */
void human_event(struct out *o, const struct options *opt, const struct shown *s);
void human_lost(struct out *o, const struct options *opt, const struct garlic_loss *loss);
void json_event(struct out *o, const struct shown *s);
void json_lost(struct out *o, const struct garlic_loss *loss);
/* Formats an exit status ("exit 3", "killed by SIGKILL", ...) into buf. */
const char *exit_status_text(uint32_t status, char *buf, size_t size);

/* journal.c: --journal, when built with libsystemd. */
bool journal_available(void);
int journal_event(const struct options *opt, const struct shown *s);
int journal_lost(const struct garlic_loss *loss);

/* signals.c: SIGINT and SIGTERM set the one, SIGHUP the other. */
extern volatile sig_atomic_t stop_requested;
extern volatile sig_atomic_t reopen_requested;
/* Installs the handlers; returns the fd that polls readable on a signal. */
int signals_init(void);
void signals_drain(void);

/* loop.c */
int monitor_run(const struct options *opt);

#endif
