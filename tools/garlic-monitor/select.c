// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The user-space filters (--comm, --exclude-comm, --user, --cgroup,
 * --unit, --container, --no-threads), applied to the row after the
 * kernel's kind filter. A process's real uid and whether its cgroup is
 * selected are kept in its process entry: learnt from its exec snapshot,
 * its uid events and its parent at fork, and read from /proc at most
 * once, only when such a filter is set.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include <garlic/process.h>

#include "row.h"
#include "select.h"

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const char *add_pattern(struct pattern_list *l, const char *value)
{
	if (l->n == SELECT_MAX)
		return "too many times (at most 32)";
	l->v[l->n++] = value;
	return NULL;
}

static const char *add_user(struct selection *s, const char *value)
{
	struct passwd *pw;
	unsigned long uid;
	char *end;

	if (s->n_users == SELECT_MAX)
		return "too many times (at most 32)";
	if (*value >= '0' && *value <= '9') {
		uid = strtoul(value, &end, 10);
		if (*end || uid > UINT32_MAX - 1)
			return "expected a user name or uid";
		s->users[s->n_users++] = (uint32_t)uid;
		return NULL;
	}
	pw = *value ? getpwnam(value) : NULL;
	if (!pw)
		return "no such user";
	s->users[s->n_users++] = pw->pw_uid;
	return NULL;
}

static const char *add_container(struct selection *s, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 64)
		return "expected a container id (1 to 64 hexadecimal digits)";
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)value[i]))
			return "expected a container id (1 to 64 hexadecimal digits)";
	return add_pattern(&s->container, value);
}

const char *select_add(struct selection *s, enum select_filter which, const char *value)
{
	switch (which) {
	case SELECT_COMM:
		return *value ? add_pattern(&s->comm, value) : "expected a name or glob";
	case SELECT_EXCLUDE_COMM:
		return *value ? add_pattern(&s->exclude_comm, value) : "expected a name or glob";
	case SELECT_USER:
		return add_user(s, value);
	case SELECT_CGROUP:
		if (*value != '/' && !is_glob(value))
			return "expected a cgroup path (from /) or a glob";
		return add_pattern(&s->cgroup, value);
	case SELECT_UNIT:
		return *value ? add_pattern(&s->unit, value) : "expected a unit name or glob";
	case SELECT_CONTAINER:
		return add_container(s, value);
	}
	return "unknown filter";
}

static bool cgroup_filtered(const struct selection *s)
{
	return s->cgroup.n || s->unit.n || s->container.n;
}

bool select_active(const struct selection *s)
{
	return s->comm.n || s->exclude_comm.n || s->n_users || cgroup_filtered(s) ||
	       s->no_threads;
}

uint32_t select_fields(const struct selection *s)
{
	return (s->n_users ? GARLIC_PROCESS_IDS : 0) |
	       (cgroup_filtered(s) ? GARLIC_PROCESS_CGROUP : 0);
}

/* A path is its subtree; a glob is matched against the whole path, '/' included. */
static bool cgroup_path_matches(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (is_glob(pattern))
		return fnmatch(pattern, path, 0) == 0;
	while (n > 1 && pattern[n - 1] == '/')
		n--;
	if (n == 1)
		return true; /* "/": every cgroup */
	return strncmp(path, pattern, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * A unit is any element of the path, so a service's sub-cgroups and a
 * slice's services are its; a bare name means NAME.service, as for
 * systemctl.
 */
static bool cgroup_unit_matches(const char *pattern, const char *path)
{
	bool bare = !is_glob(pattern) && !strchr(pattern, '.');
	size_t plen = strlen(pattern);

	while (*path) {
		size_t n;
		char element[256];

		path += strspn(path, "/");
		n = strcspn(path, "/");
		if (n == 0)
			break;
		if (n < sizeof(element)) {
			memcpy(element, path, n);
			element[n] = '\0';
			if (bare ? n == plen + 8 && !memcmp(element, pattern, plen) &&
					   !strcmp(element + plen, ".service")
				 : fnmatch(pattern, element, 0) == 0)
				return true;
		}
		path += n;
	}
	return false;
}

/* A container id is matched by any prefix of it, as docker's short ids. */
static bool cgroup_container_matches(const char *prefix, const char *path)
{
	const char *id;

	return cgroup_container(path, &id) && strncasecmp(id, prefix, strlen(prefix)) == 0;
}

static bool any(const struct pattern_list *l, bool (*match)(const char *, const char *),
		const char *path)
{
	if (!l->n)
		return true;
	for (unsigned int i = 0; i < l->n; i++)
		if (match(l->v[i], path))
			return true;
	return false;
}

static int8_t cgroup_verdict(const struct selection *s, const struct garlic_process *gp)
{
	if (!gp || gp->cgroup_state != GARLIC_PROCESS_OK)
		return -1; /* no cgroup v2 path: nothing to select it by */
	return any(&s->cgroup, cgroup_path_matches, gp->cgroup) &&
	       any(&s->unit, cgroup_unit_matches, gp->cgroup) &&
	       any(&s->container, cgroup_container_matches, gp->cgroup) ? 1 : -1;
}

/* What a snapshot (an exec's, or one read here) says about the process. */
static void learn_from(const struct selection *s, struct proc *p,
		       const struct garlic_process *gp)
{
	/*
	 * Exec'd again before it was read: /proc showed the later program's
	 * ids and cgroup (a shell that moved itself into a cgroup, then
	 * exec'd). This exec keeps what the process had; the next one, with
	 * its own snapshot, decides anew.
	 */
	if (gp && gp->argv_state == GARLIC_PROCESS_REPLACED)
		return;
	if (s->n_users && gp && gp->ids_state == GARLIC_PROCESS_OK) {
		p->ruid = gp->ruid;
		p->ruid_state = 1;
	}
	if (cgroup_filtered(s) && gp && gp->cgroup_state == GARLIC_PROCESS_OK)
		p->cgroup_match = cgroup_verdict(s, gp);
}

static void read_missing(const struct selection *s, struct proc *p, pid_t tgid);

void select_learn(const struct selection *s, const struct garlic_event *ev, struct proc *p,
		  const struct exec_info *x)
{
	struct proc *parent;

	if (!p)
		return;
	switch (ev->type) {
	case GARLIC_EVENT_FORK:
		if (ev->fork.child_pid != ev->fork.child_tgid)
			return;
		parent = proc_find(ev->fork.parent_tgid);
		if (!parent || parent == p)
			return;
		/* Read once for the parent, alive now, not once for each child. */
		read_missing(s, parent, parent->pid);
		p->ruid = parent->ruid;
		p->ruid_state = parent->ruid_state;
		p->cgroup_match = parent->cgroup_match;
		break;
	case GARLIC_EVENT_EXEC:
		learn_from(s, p, x->proc);
		break;
	case GARLIC_EVENT_UID:
		p->ruid = ev->uid.real_id;
		p->ruid_state = 1;
		break;
	}
}

/* Reads from /proc, once, what neither a fork nor an exec taught. */
static void read_missing(const struct selection *s, struct proc *p, pid_t tgid)
{
	uint32_t fields = 0;
	struct garlic_process *gp = NULL;

	if (s->n_users && p->ruid_state == 0)
		fields |= GARLIC_PROCESS_IDS;
	if (cgroup_filtered(s) && p->cgroup_match == 0)
		fields |= GARLIC_PROCESS_CGROUP;
	if (!fields)
		return;
	if (garlic_process_read(&gp, tgid, fields, 0) == 0)
		learn_from(s, p, gp);
	garlic_process_free(gp);
	/* Gone or unreadable: not asked again, and not selected. */
	if (p->ruid_state == 0 && (fields & GARLIC_PROCESS_IDS))
		p->ruid_state = -1;
	if (p->cgroup_match == 0 && (fields & GARLIC_PROCESS_CGROUP))
		p->cgroup_match = -1;
}

static bool name_matches(const char *pattern, const char *name, size_t n)
{
	char buf[256];

	if (!name || n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return fnmatch(pattern, buf, 0) == 0;
}

static bool basename_matches(const char *pattern, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash)
		path = slash + 1;
	return name_matches(pattern, path, strlen(path));
}

/*
 * The process's name (comm); for an exec also its program: the
 * executable's file name and argv[0]'s, which are not cut to 15 bytes.
 */
static bool names_match(const struct pattern_list *l, const struct row *r)
{
	const struct garlic_process *gp = r->exec ? r->exec->proc : NULL;

	for (unsigned int i = 0; i < l->n; i++) {
		if (r->comm && name_matches(l->v[i], r->comm, strlen(r->comm)))
			return true;
		if (!gp || gp->argv_state == GARLIC_PROCESS_REPLACED)
			continue;
		if (gp->exe_state == GARLIC_PROCESS_OK && basename_matches(l->v[i], gp->exe))
			return true;
		if (gp->argv_state == GARLIC_PROCESS_OK && gp->argc > 0 &&
		    basename_matches(l->v[i], gp->argv))
			return true;
	}
	return false;
}

static bool thread_event(const struct garlic_event *ev)
{
	if (ev->type == GARLIC_EVENT_FORK)
		return ev->fork.child_pid != ev->fork.child_tgid;
	return ev->pid != ev->tgid;
}

static bool user_matches(const struct selection *s, const struct proc *p)
{
	if (p->ruid_state != 1)
		return false;
	for (unsigned int i = 0; i < s->n_users; i++)
		if (s->users[i] == p->ruid)
			return true;
	return false;
}

bool select_row(const struct selection *s, const struct row *r, struct proc *p)
{
	const struct garlic_event *ev = r->ev;
	struct proc scratch = { .pid = r->tgid };
	pid_t tgid = ev->type == GARLIC_EVENT_FORK ? ev->fork.child_tgid : r->tgid;

	if (s->no_threads && thread_event(ev))
		return false;
	if (s->comm.n && !names_match(&s->comm, r))
		return false;
	if (s->exclude_comm.n && names_match(&s->exclude_comm, r))
		return false;
	if (!s->n_users && !cgroup_filtered(s))
		return true;
	/* No entry (the table is full): read for this event alone. */
	if (!p) {
		p = &scratch;
		if (r->exec)
			learn_from(s, p, r->exec->proc);
	}
	read_missing(s, p, tgid);
	if (s->n_users && !user_matches(s, p))
		return false;
	return !cgroup_filtered(s) || p->cgroup_match == 1;
}
