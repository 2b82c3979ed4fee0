// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Captures one real TASKSTATS exit message from the kernel and prints it
 * as tests/taskstats-capture.h. Run as root, by hand:
 *   cc -Iinclude -Ilib $(pkg-config --cflags libnl-genl-3.0) fuzz/capture-taskstats.c \
 *      lib/taskstats-parse.c $(pkg-config --libs libnl-genl-3.0) -o /tmp/capture
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/taskstats.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "garlic-private.h"

int main(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = nlmsg_alloc();
	char mask[32], buf[8192];
	int family, status;
	pid_t pid;

	snprintf(mask, sizeof(mask), "0-%ld", sysconf(_SC_NPROCESSORS_CONF) - 1);
	if (genl_connect(sk) < 0 || (family = genl_ctrl_resolve(sk, TASKSTATS_GENL_NAME)) < 0)
		return 1;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, TASKSTATS_CMD_GET, 1);
	nla_put_string(msg, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask);
	if (nl_send_auto(sk, msg) < 0 || nl_wait_for_ack(sk) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		static char block[8192];

		prctl(PR_SET_NAME, (unsigned long)"gq-capture", 0, 0, 0);
		FILE *null = fopen("/dev/null", "w");
		fwrite(block, 1, sizeof(block), null);
		fclose(null);
		_exit(3);
	}
	waitpid(pid, &status, 0);
	for (;;) {
		ssize_t n = recv(nl_socket_get_fd(sk), buf, sizeof(buf), 0);
		struct garlic_taskstats r[2];

		if (n <= 0)
			return 1;
		if (garlic_taskstats_parse(buf, n, r, 2) < 1 || r[0].id != (uint32_t)pid)
			continue;
		printf("/* A TASKSTATS exit message captured from Linux (fuzz/capture-taskstats.c). */\n");
		printf("#define CAPTURED_PID %d\n#define CAPTURED_PPID %d\n", pid, getpid());
		printf("#define CAPTURED_VERSION %u\n#define CAPTURED_EXIT_CODE %u\n", r[0].version,
		       r[0].exit_code);
		printf("#define CAPTURED_COMM \"%s\"\n#define CAPTURED_MIN_WRITE_CHARS %u\n",
		       r[0].comm, 8192);
		printf("static const unsigned char captured_exit[%zd] = {", n);
		for (ssize_t i = 0; i < n; i++)
			printf("%s0x%02x,", i % 12 ? " " : "\n\t", (unsigned char)buf[i]);
		printf("\n};\n");
		return 0;
	}
}
