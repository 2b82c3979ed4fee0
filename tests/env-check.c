// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * env-check WHAT: the shell tests' view of tests/env.h. Prints why WHAT
 * (connector, taskstats, root) cannot run here and exits 77, or exits 0
 * silently when it can; tests/tap.sh's need_live turns that into a skip.
 */
#include <stdio.h>
#include <string.h>

#include "env.h"

int main(int argc, char **argv)
{
	const char *why;

	if (argc != 2)
		goto usage;
	if (strcmp(argv[1], "connector") == 0)
		why = env_connector_missing();
	else if (strcmp(argv[1], "taskstats") == 0)
		why = env_taskstats_listen_missing();
	else if (strcmp(argv[1], "root") == 0)
		why = env_root_missing();
	else
		goto usage;
	if (!why)
		return 0;
	printf("%s\n", why);
	return 77;
usage:
	fprintf(stderr, "usage: env-check connector|taskstats|root\n");
	return 2;
}
