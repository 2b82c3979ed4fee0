// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "env.h"

#ifndef NETLINK_CONNECTOR
#define NETLINK_CONNECTOR 11
#endif

/*
 * The kernel's fixed inode numbers of its initial namespaces
 * (include/linux/proc_ns.h): pid and user since Linux 3.8, net since
 * 6.18. Unlike a comparison with /proc/1/ns/..., they also tell a
 * container's init (which shares the container's namespaces) apart.
 */
#define INIT_USER_INO 0xEFFFFFFDu
#define INIT_PID_INO 0xEFFFFFFCu
#define INIT_NET_INO 0xEFFFFFF9u

static char reason[256];

bool env_require_live(void)
{
	const char *v = getenv("GARLIC_REQUIRE_LIVE");

	return v && strcmp(v, "1") == 0;
}

bool env_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return true; /* unknown: assume new, so nothing is skipped on a guess */
	return ma > major || (ma == major && mi >= minor);
}

bool env_has_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long caps = 0;
	char line[256];
	bool found = false;

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		return geteuid() == 0;
	return caps & (1ull << 12); /* CAP_NET_ADMIN */
}

/* The inode of /proc/self/ns/name, or 0 when it cannot be read. */
static unsigned long ns_ino(const char *pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, name);
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* 1: the initial namespace of that kind; 0: another; -1: cannot tell. */
static int initial_ns(const char *name, unsigned long init_ino)
{
	unsigned long ino = ns_ino("self", name);

	if (!ino)
		return -1;
	return ino == init_ino;
}

/*
 * The connector's kernel socket exists in the initial network namespace
 * only: a message for a connector id nobody registered is dropped there
 * and refused (ECONNREFUSED) anywhere else. 1, 0, or -1 (cannot tell).
 */
static int connector_in_this_netns(int fd)
{
	uint8_t req[NLMSG_HDRLEN + sizeof(struct cn_msg)] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct cn_msg *cn = (struct cn_msg *)(req + NLMSG_HDRLEN);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	nlh->nlmsg_len = sizeof(req);
	nlh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = 0xffffffff;
	cn->id.val = 0xffffffff;
	if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) >= 0)
		return 1;
	return errno == ECONNREFUSED ? 0 : -1;
}

static int initial_netns(void)
{
	unsigned long ino = ns_ino("self", "net"), init;
	int fd, r = -1;

	if (ino == INIT_NET_INO)
		return 1;
	if (ino && env_kernel_at_least(6, 18))
		return 0;
	/* Before 6.18 the initial netns has a dynamic number like any other. */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd >= 0) {
		r = connector_in_this_netns(fd);
		close(fd);
	}
	if (r >= 0)
		return r;
	/* No connector to ask: pid 1's netns, which root can read. */
	init = ns_ino("1", "net");
	if (!ino || !init)
		return -1;
	return ino == init;
}

/* "cn_proc" among the connector's registered users (init netns only). */
static int proc_events_registered(void)
{
	FILE *f = fopen("/proc/net/connector", "re");
	char line[256];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "cn_proc", 7) == 0)
			found = 1;
	fclose(f);
	return found;
}

static const char *namespaces_missing(void)
{
	if (initial_ns("pid", INIT_PID_INO) == 0)
		return "not the initial pid namespace (the kernel ignores requests from others)";
	if (initial_ns("user", INIT_USER_INO) == 0)
		return "not the initial user namespace (the kernel ignores requests from others)";
	if (initial_netns() == 0)
		return "not the initial network namespace (the kernel's connector and "
		       "taskstats replies live there only)";
	return NULL;
}

const char *env_connector_missing(void)
{
	const char *ns;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (fd < 0) {
		if (errno == EPROTONOSUPPORT)
			return "this kernel has no connector (CONFIG_CONNECTOR)";
		snprintf(reason, sizeof(reason), "no NETLINK_CONNECTOR socket here: %s",
			 strerror(errno));
		return reason;
	}
	close(fd);
	ns = namespaces_missing();
	if (ns)
		return ns;
	if (proc_events_registered() == 0)
		return "this kernel has no process events (CONFIG_PROC_EVENTS)";
	if (!env_kernel_at_least(6, 6) && !env_has_net_admin())
		return "before Linux 6.6 listening needs CAP_NET_ADMIN";
	return NULL;
}

const char *env_taskstats_query_missing(void)
{
	struct nl_sock *sk;
	int r;

	/* GENL_ADMIN_PERM on TASKSTATS_CMD_GET, on every kernel. */
	if (!env_has_net_admin())
		return "taskstats needs CAP_NET_ADMIN";
	sk = nl_socket_alloc();
	if (!sk)
		return "out of memory";
	r = genl_connect(sk);
	if (r == 0)
		r = genl_ctrl_resolve(sk, "TASKSTATS");
	nl_socket_free(sk);
	if (r == -NLE_OBJ_NOTFOUND)
		return "this kernel has no taskstats (CONFIG_TASKSTATS)";
	if (r < 0) {
		snprintf(reason, sizeof(reason), "generic netlink fails here: %s",
			 nl_geterror(r));
		return reason;
	}
	return NULL;
}

const char *env_taskstats_listen_missing(void)
{
	const char *why = env_taskstats_query_missing();

	return why ? why : namespaces_missing();
}

const char *env_root_missing(void)
{
	return geteuid() == 0 ? NULL : "needs root";
}
