// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one place where libnl's error codes become errnos, and where every
 * errno garlic returns gets its sentence.
 */
#include <errno.h>
#include <string.h>
#include <netlink/errno.h>

#include "garlic-private.h"

int garlic_errno_from_nl(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		/* libnl also reports a receive-buffer overrun (ENOBUFS) this way. */
		return errno == ENOBUFS ? -ENOBUFS : -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_SEQ_MISMATCH:
	case NLE_PARSE_ERR:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

GARLIC_EXPORT const char *garlic_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case EPERM:
		return "permission denied: process events need CAP_NET_ADMIN before Linux 6.6, taskstats on every kernel";
	case EPROTONOSUPPORT:
		return "the kernel has no proc connector (needs CONFIG_CONNECTOR and CONFIG_PROC_EVENTS)";
	case ECONNREFUSED:
		return "not reachable from this network namespace: the proc connector and taskstats exist only in the initial one";
	case ETIMEDOUT:
		return "the kernel did not answer in time (it ignores proc connector requests from non-initial pid or user namespaces)";
	case ENOBUFS:
		return "lost: the receive buffer overflowed and the kernel dropped what did not fit";
	case EAGAIN:
		return "nothing to do yet";
	case EBUSY:
		return "called from inside one of the handle's own callbacks";
	case EBADMSG:
		return "malformed netlink message";
	case ENOENT:
		return "not found: no such kernel facility (taskstats needs CONFIG_TASKSTATS) or /proc file";
	case ESRCH:
		return "no such process";
	case EINVAL:
		return "invalid argument";
	default: {
		const char *s = strerrordesc_np(err);
		return s ? s : "unknown error";
	}
	}
}
