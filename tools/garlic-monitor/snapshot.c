// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What an exec ran: the library's snapshot, taken the moment it learnt of
 * the exec (struct garlic_open_opts.capture), or, when it has none, one
 * read here, later; and what the cgroup path says about units and
 * containers.
 */
#include <string.h>

#include <garlic/process.h>

#include "snapshot.h"

uint32_t exec_fields(const struct options *opt)
{
	/*
	 * Read for every exec in a storm: only what the line shows. The
	 * name alone (COMM) costs a third of stat, whose formatting was the
	 * largest cost of a human line's snapshot (bench/RESULTS.md).
	 */
	uint32_t fields = GARLIC_PROCESS_ARGV | GARLIC_PROCESS_IDS | GARLIC_PROCESS_COMM;

	if (opt->context || opt->json || opt->journal || opt->format == FORMAT_ECS)
		fields |= GARLIC_PROCESS_EXE | GARLIC_PROCESS_CWD | GARLIC_PROCESS_CGROUP |
			  GARLIC_PROCESS_NSPID | GARLIC_PROCESS_STAT;
	return fields;
}

static void join_argv(struct exec_info *x)
{
	const struct garlic_process *p = x->proc;
	size_t n = p->argv_len;

	/* As /proc/PID/cmdline read as text always was: NULs become spaces. */
	if (n > sizeof(x->cmdline) - 1)
		n = sizeof(x->cmdline) - 1;
	memcpy(x->cmdline, p->argv, n);
	while (n > 0 && x->cmdline[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (x->cmdline[i] == '\0')
			x->cmdline[i] = ' ';
	x->cmdline[n] = '\0';
	x->cmdline_len = n;
}

void exec_snapshot(struct exec_info *x, const struct garlic_event *ev, uint32_t fields,
		   size_t argv_max)
{
	x->proc = ev->process;
	x->owned = NULL;
	x->cmdline[0] = '\0';
	x->cmdline_len = 0;
	x->unit = NULL;
	x->unit_len = 0;
	x->container = NULL;
	/* No snapshot from the library (no capture there, or out of memory): read now. */
	if (!x->proc && garlic_process_read(&x->owned, ev->pid, fields, argv_max) == 0)
		x->proc = x->owned;
	if (!x->proc)
		return;
	if (x->proc->argv_state == GARLIC_PROCESS_OK)
		join_argv(x);
	if (x->proc->cgroup_state == GARLIC_PROCESS_OK) {
		cgroup_unit(x->proc->cgroup, &x->unit, &x->unit_len);
		cgroup_container(x->proc->cgroup, &x->container);
	}
}

void exec_info_done(struct exec_info *x)
{
	garlic_process_free(x->owned);
	x->owned = NULL;
	x->proc = NULL;
}

const char *argv_unavailable(const struct exec_info *x)
{
	if (!x->proc)
		return "gone"; /* garlic_process_read(): no such process */
	switch (x->proc->argv_state) {
	case GARLIC_PROCESS_OK:
		return NULL;
	case GARLIC_PROCESS_NOT_ASKED:
		return "not_read";
	case GARLIC_PROCESS_GONE:
		return "gone";
	case GARLIC_PROCESS_KERNEL_THREAD:
		return "kernel_thread";
	case GARLIC_PROCESS_ZOMBIE:
		return "zombie";
	case GARLIC_PROCESS_DENIED:
		return "denied";
	case GARLIC_PROCESS_UNSUPPORTED:
		return "unsupported";
	case GARLIC_PROCESS_REPLACED:
		return "replaced";
	default:
		return "failed";
	}
}

static void basename_comm(const char *path, size_t n, char *comm)
{
	const char *slash = memrchr(path, '/', n);

	if (slash) {
		n -= slash + 1 - path;
		path = slash + 1;
	}
	/* The kernel's comm: the first 15 bytes of the file name. */
	if (n > 15)
		n = 15;
	memcpy(comm, path, n);
	comm[n] = '\0';
}

bool exec_name(const struct exec_info *x, char *comm)
{
	const struct garlic_process *p = x->proc;

	comm[0] = '\0';
	if (!p)
		return false;
	if ((p->comm_state == GARLIC_PROCESS_OK || p->stat_state == GARLIC_PROCESS_OK) &&
	    p->comm[0])
		memcpy(comm, p->comm, 16);
	else if (p->exe_state == GARLIC_PROCESS_OK)
		basename_comm(p->exe, strlen(p->exe), comm);
	else if (p->argv_state == GARLIC_PROCESS_OK && p->argc > 0)
		basename_comm(p->argv, strlen(p->argv), comm);
	comm[15] = '\0';
	return comm[0] != '\0';
}

static const char *const unit_suffixes[] = {
	".service", ".scope", ".socket", ".mount", ".swap", ".timer", ".path", NULL,
};

bool cgroup_unit(const char *path, const char **unit, size_t *len)
{
	const char *end = path + strlen(path);

	*unit = NULL;
	*len = 0;
	/* The innermost unit: a service may have delegated sub-cgroups below it. */
	while (end > path) {
		const char *start = end;
		size_t n;

		while (start > path && start[-1] != '/')
			start--;
		n = end - start;
		for (int i = 0; unit_suffixes[i]; i++) {
			size_t k = strlen(unit_suffixes[i]);

			if (n > k && memcmp(end - k, unit_suffixes[i], k) == 0) {
				*unit = start;
				*len = n;
				return true;
			}
		}
		end = start > path ? start - 1 : path;
	}
	return false;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool cgroup_container(const char *path, const char **id)
{
	size_t run = 0;

	*id = NULL;
	/*
	 * Docker, containerd, CRI-O and podman name a container's cgroup
	 * after its 64-hex-digit id: "docker-ID.scope", ".../ID",
	 * "cri-containerd-ID.scope", "libpod-ID.scope". The innermost wins.
	 */
	for (const char *c = path;; c++) {
		if (*c && is_hex(*c)) {
			run++;
			continue;
		}
		if (run == 64)
			*id = c - 64;
		run = 0;
		if (!*c)
			break;
	}
	return *id != NULL;
}
