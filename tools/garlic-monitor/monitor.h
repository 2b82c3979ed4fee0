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
/* After each event: flushes a line-buffered stream, or a full buffer. */
void out_event_done(struct out *o);

/* proc.c: what the monitor knows about processes it has seen. */
struct proc {
	pid_t pid;		/* tgid; 0: empty slot */
	pid_t ppid;
	uint64_t start_ns;	/* fork (or first exec) timestamp; 0: unknown */
	unsigned int depth;	/* in the observed tree */
	bool tracked;		/* --pid --children: a descendant */
};

void proc_table_init(void);
struct proc *proc_find(pid_t pid);
struct proc *proc_add(pid_t pid);
void proc_remove(pid_t pid);
/* The command line of pid with spaces for NULs; "[comm]" if only the name
 * is left, "" if the process is gone. Returns the length. */
size_t proc_cmdline(pid_t pid, char *buf, size_t size);
/* The parent of pid from /proc (for processes born before we listened). */
pid_t proc_read_ppid(pid_t pid);
/*
 * --pid --children: marks the descendants root already has as tracked,
 * from /proc, since no fork event will ever name them. Returns how many.
 */
unsigned int proc_seed_children(pid_t root);

/* names.c: cached user and group names. */
const char *user_name(uint32_t uid);
const char *group_name(uint32_t gid);

/* Everything one event needs for printing. */
struct shown {
	const struct garlic_event *ev;
	pid_t pid, ppid;	/* columns */
	const char *cmdline;	/* exec */
	size_t cmdline_len;
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
