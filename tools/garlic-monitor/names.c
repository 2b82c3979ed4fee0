// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * User and group names, cached: NSS lookups can read files or ask a
 * daemon, far too slow to do for every uid event in a storm.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

#define CACHE_SIZE 256

struct entry {
	bool used;
	uint32_t id;
	char name[33];
};

static struct entry users[CACHE_SIZE], groups[CACHE_SIZE];

bool names_numeric;

static struct entry *slot(struct entry *cache, uint32_t id, bool *hit)
{
	struct entry *e = &cache[(id * 2654435761u) % CACHE_SIZE];

	*hit = e->used && e->id == id;
	return e;
}

static void fill(struct entry *e, uint32_t id, const char *name)
{
	e->used = true;
	e->id = id;
	if (name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	else
		e->name[0] = '\0'; /* unknown ids are cached too */
}

const char *user_name(uint32_t uid)
{
	bool hit;
	struct entry *e = slot(users, uid, &hit);

	if (names_numeric)
		return "";
	if (!hit) {
		struct passwd pw, *result = NULL;
		char buf[4096];

		getpwuid_r(uid, &pw, buf, sizeof(buf), &result);
		fill(e, uid, result ? result->pw_name : NULL);
	}
	return e->name;
}

const char *group_name(uint32_t gid)
{
	bool hit;
	struct entry *e = slot(groups, gid, &hit);

	if (names_numeric)
		return "";
	if (!hit) {
		struct group gr, *result = NULL;
		char buf[4096];

		getgrgid_r(gid, &gr, buf, sizeof(buf), &result);
		fill(e, gid, result ? result->gr_name : NULL);
	}
	return e->name;
}
