// SPDX-License-Identifier: LGPL-2.1-or-later
/* The smallest useful program: every exec with its command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <garlic/garlic.h>

static int on_exec(const struct garlic_event *ev, void *userdata)
{
	char path[32], cmd[4096];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", ev->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
	}
	for (ssize_t i = 0; i < n - 1; i++) /* argv is NUL-separated */
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	printf("%d %.*s\n", ev->pid, n > 0 ? (int)n : 6, n > 0 ? cmd : "(gone)");
	return fflush(stdout);
}

int main(void)
{
	struct garlic *g;
	int r = garlic_open(&g, GARLIC_EVENT_EXEC, on_exec, NULL);

	if (r == 0)
		fprintf(stderr, "exec-logger: listening\n");
	while (r >= 0 || r == -ENOBUFS) /* -ENOBUFS: events were lost, go on */
		r = garlic_receive(g);
	fprintf(stderr, "exec-logger: %s\n", garlic_strerror(r));
	return 1;
}
