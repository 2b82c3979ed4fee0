// SPDX-License-Identifier: LGPL-2.1-or-later
/* garlic-monitor: the options (options.c), then the loop (loop.c). */
#include "loop.h"
#include "names.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct options opt;
	int r = options_parse(&opt, argc, argv);

	if (r >= 0)
		return r;
	names_numeric = opt.numeric;
	return monitor_run(&opt);
}
