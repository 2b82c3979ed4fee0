// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "garlic-private.h"

static const struct {
	uint32_t type;
	const char *name;
} kinds[] = {
	{ GARLIC_EVENT_NONE, "none" },
	{ GARLIC_EVENT_FORK, "fork" },
	{ GARLIC_EVENT_EXEC, "exec" },
	{ GARLIC_EVENT_UID, "uid" },
	{ GARLIC_EVENT_GID, "gid" },
	{ GARLIC_EVENT_SID, "sid" },
	{ GARLIC_EVENT_PTRACE, "ptrace" },
	{ GARLIC_EVENT_COMM, "comm" },
	{ GARLIC_EVENT_NONZERO_EXIT, "nonzero_exit" },
	{ GARLIC_EVENT_COREDUMP, "coredump" },
	{ GARLIC_EVENT_EXIT, "exit" },
};

GARLIC_EXPORT const char *garlic_event_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].type == type)
			return kinds[i].name;
	return NULL;
}

static int lookup(const char *name, size_t len, uint32_t *type)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].name) == len &&
		    strncasecmp(kinds[i].name, name, len) == 0) {
			*type = kinds[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

GARLIC_EXPORT int garlic_event_from_name(const char *name, uint32_t *type)
{
	uint32_t t;

	if (!name || !type || lookup(name, strlen(name), &t) < 0)
		return -EINVAL;
	*type = t;
	return 0;
}

GARLIC_EXPORT int garlic_events_parse(const char *list, uint32_t *mask)
{
	uint32_t result = 0, t;
	const char *p, *comma;

	if (!list || !mask)
		return -EINVAL;
	/* Every kind is 0, not a mask of today's kinds: see garlic.h. */
	if (strcasecmp(list, "all") == 0) {
		*mask = 0;
		return 0;
	}
	for (p = list;; p = comma + 1) {
		comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		/* "none" selects nothing, which garlic_open() would read as all. */
		if (len == 0 || lookup(p, len, &t) < 0 || t == GARLIC_EVENT_NONE)
			return -EINVAL;
		result |= t;
		if (!comma)
			break;
	}
	*mask = result;
	return 0;
}
