/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_SIGNALS_H
#define GARLIC_MONITOR_SIGNALS_H

#include <signal.h>

/* signals.c: SIGINT and SIGTERM set the one, SIGHUP the other. */
extern volatile sig_atomic_t stop_requested;
extern volatile sig_atomic_t reopen_requested;
/* SIGINT and SIGTERM so far, the last one, and whether a terminal sent it. */
extern volatile sig_atomic_t stop_signals;
extern volatile sig_atomic_t last_stop_signal;
extern volatile sig_atomic_t last_stop_from_kernel;
/* Installs the handlers; returns the fd that polls readable on a signal. */
int signals_init(void);
void signals_drain(void);

#endif
