/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_COMMAND_H
#define GARLIC_MONITOR_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

/* command.c: garlic-monitor [OPTION]... -- COMMAND [ARG]... */
struct command {
	pid_t pid;		/* 0: none started */
	int pidfd;		/* readable once it has ended; -1: none */
	bool ended;		/* reaped: status is its wait status */
	int status;
	int forwarded;		/* signals passed on to it */
};

/*
 * Starts argv (searched in PATH) as the monitor's child, which waits
 * until the monitor is listening (command_go). Returns 0, or -errno
 * (said on stderr).
 */
int command_start(struct command *c, char *const argv[]);
/* Lets the child exec: everything it does from now on is seen. */
void command_go(struct command *c);
/*
 * Reaps what has ended among the monitor's children: the command, and
 * its CLONE_PARENT children, whose parent the monitor is. With wait,
 * waits for the command.
 */
void command_reap(struct command *c, bool wait);
/* Reaps COMMAND's CLONE_PARENT children that ended, not COMMAND. */
void command_reap_others(struct command *c);
/* The monitor's exit status for it: its exit code, or 128 + the signal. */
int command_exit_status(const struct command *c);
void command_close(struct command *c);

#endif
