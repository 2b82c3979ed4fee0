/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a live test cannot run here, found by looking at the environment
 * itself (the kernel, namespaces, capabilities) and never by trying the
 * code under test: a garlic that fails must fail its tests, not skip
 * them. Each function returns the reason, or NULL when the test can run.
 * No GLib, so that the shell tests' env-check program shares it.
 */
#ifndef GARLIC_TEST_ENV_H
#define GARLIC_TEST_ENV_H

#include <stdbool.h>

/* Listening to the proc connector: the kernel, the namespaces, privilege. */
const char *env_connector_missing(void);

/* Taskstats queries (GET): the TASKSTATS family and CAP_NET_ADMIN. */
const char *env_taskstats_query_missing(void);

/* The taskstats exit stream: a query's needs and the initial namespaces. */
const char *env_taskstats_listen_missing(void);

/* Changing uids, unshare(2) and the like: root. */
const char *env_root_missing(void);

/* Linux major.minor or later, from uname(2). */
bool env_kernel_at_least(int major, int minor);

/* CAP_NET_ADMIN in the effective set (read from /proc/self/status). */
bool env_has_net_admin(void);

/* GARLIC_REQUIRE_LIVE=1: every skip is a failure instead. */
bool env_require_live(void);

#endif
