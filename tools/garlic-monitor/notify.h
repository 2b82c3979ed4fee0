/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_NOTIFY_H
#define GARLIC_MONITOR_NOTIFY_H

/*
 * notify.c: tells the service manager how the monitor is (Type=notify,
 * WatchdogSec=). All of it does nothing unless NOTIFY_SOCKET is set.
 */

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC/_PID once, and unsets them. */
void notify_init(void);
/* Subscribed: events from now on are seen. */
void notify_ready(void);
void notify_stopping(void);
/* poll()'s timeout (ms, -1: none), lowered to when the next ping is due. */
int notify_timeout(int timeout);
/* After each wake-up: pings the watchdog when it is due. */
void notify_watchdog(void);

#endif
