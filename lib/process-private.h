/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process snapshots for the event path: a reusable buffer, so that a
 * listener taking a snapshot per event allocates only while its buffer
 * still grows and never in the steady state.
 */
#ifndef GARLIC_PROCESS_PRIVATE_H
#define GARLIC_PROCESS_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <garlic/process.h>

/*
 * One block: the snapshot first (garlic_process_free() frees the block
 * from it), then the bytes its strings point into. Grown by realloc(),
 * which is why the fill functions take a struct garlic_process_buf **.
 */
struct garlic_process_buf {
	struct garlic_process proc; /* must stay first */
	size_t cap;		    /* bytes of data[] */
	size_t used;		    /* bytes of data[] the snapshot holds */
	char data[];
};

/*
 * Opens /proc/PID as the handle every field is then read through: a
 * directory fd of a task stays bound to that task, so once it is reaped
 * every read through it fails with ESRCH, even after the pid has been
 * reused. Opening it when the event is read and reading later therefore
 * never mixes two processes. Returns the fd (O_CLOEXEC; close it), or
 * -ESRCH (no such pid), -ENOENT (no procfs at /proc), another -errno.
 */
int garlic_process_open(pid_t pid);

/*
 * Fills *buf with a snapshot of pid, read through dirfd (from
 * garlic_process_open(pid)). *buf may be NULL: it is allocated; it is
 * grown when needed and otherwise reused. The snapshot, (*buf)->proc,
 * lives until the next fill or garlic_process_buf_free(). Arguments are
 * garlic_process_read()'s. Returns 0 (a field that could not be read says
 * why in its state), -ESRCH (every field asked found the task reaped),
 * -EINVAL or -ENOMEM (then the snapshot holds nothing valid, but *buf is
 * still *buf's to free). With fields 0 nothing is read: 0 says nothing
 * about the task.
 */
int garlic_process_fill_at(struct garlic_process_buf **buf, int dirfd, pid_t pid,
			   uint32_t fields, size_t argv_max);

/*
 * The same, by path, for the task pidfd pins (garlic_procfs_pin()): a task
 * reaped before the snapshot is proved its own makes it -ESRCH, every
 * field GONE. Another -errno than garlic_process_fill_at()'s says the
 * proof itself failed.
 */
int garlic_process_fill_pinned(struct garlic_process_buf **buf, int pidfd, pid_t pid,
			       uint32_t fields, size_t argv_max);

/* A snapshot of pid: pinned where the kernel can, else through its directory. */
int garlic_process_fill(struct garlic_process_buf **buf, pid_t pid, uint32_t fields,
			size_t argv_max);

/* NULL-safe. */
/*
 * A snapshot of pid that could not be read at all (err, positive: ESRCH
 * when the process was gone): every field asked for says so. Returns 0 or
 * -ENOMEM.
 */
int garlic_process_fill_failed(struct garlic_process_buf **buf, pid_t pid, uint32_t fields,
			       int err);

void garlic_process_buf_free(struct garlic_process_buf *buf);

#endif /* GARLIC_PROCESS_PRIVATE_H */
