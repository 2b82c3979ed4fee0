/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_SNAPSHOT_H
#define GARLIC_MONITOR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <garlic/garlic.h>
#include <garlic/process.h>

#include "options.h"

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

#endif
