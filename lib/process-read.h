/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc reader shared by process.c (the snapshot, field by field),
 * process-fields.c (reads, and the link and raw fields) and
 * process-parse.c (the text files parsed).
 */
#ifndef GARLIC_PROCESS_READ_H
#define GARLIC_PROCESS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "process-private.h"

/* PF_KTHREAD in include/linux/sched.h: stat's flags field. */
#define TASK_FLAG_KTHREAD 0x00200000u

/* The first block: room for a typical snapshot with no realloc. */
#define BLOCK_INITIAL 4096
/* proc_pid_readlink() fails past a page; this is a bound on our loop. */
#define LINK_MAX_BYTES 65536
/* "/proc/" a pid, "/" and the longest name read ("cmdline", "cgroup"). */
#define PROC_PATH_MAX 40

/* What /proc/PID/stat said, for the snapshot or only to classify errors. */
struct stat_info {
	bool tried;
	int error; /* positive errno, 0 when read */
	char state;
	uint32_t flags;
	pid_t ppid;
	uint64_t start_ticks;
	char comm[16];
};

struct reader {
	struct garlic_process_buf **bufp;
	/*
	 * Files are opened through dirfd, the task's directory; or, pinned
	 * (pidfd >= 0), by path, /proc/PID/NAME, each open proved the
	 * pinned task's by the final PIDFD_GET_INFO (process-pidfd.c).
	 */
	int dirfd;
	int pidfd;
	pid_t pid;
	struct stat_info st;
	bool gone;	/* a read failed with ESRCH: the task was reaped */
	bool not_kthread; /* learnt without reading stat */
};

/* The snapshot, taken anew after anything that may have moved the block. */
#define P(r) (&(*(r)->bufp)->proc)

int garlic_procfs_grow(struct garlic_process_buf **bufp, size_t want);
/*
 * Reads the file name (relative to the task's directory) into the free
 * space of the block, at most limit bytes, NUL-terminated there; nothing
 * is committed. The byte count, or -errno.
 */
ssize_t garlic_procfs_read_file(struct reader *r, const char *name, size_t limit);
/* What to open for the task's file name: name itself, or pinned, its path. */
const char *garlic_procfs_path(const struct reader *r, const char *name, char *buf, size_t size);
/* Keeps len bytes (and their NUL) read into the free space; their offset. */
size_t garlic_procfs_commit(struct reader *r, size_t len);
/* The state of a field whose read failed with err (positive). */
uint8_t garlic_procfs_state_of(struct reader *r, int err);
int garlic_procfs_need_stat(struct reader *r);
void garlic_procfs_read_argv(struct reader *r, size_t argv_max,
		      size_t *off);
void garlic_procfs_read_exe(struct reader *r, size_t *off);
void garlic_procfs_read_cwd(struct reader *r, size_t *off);
void garlic_procfs_read_status(struct reader *r, uint32_t fields);
/*
 * The ids through a pidfd (process-pidfd.c); false when this kernel or
 * task has none to give, and status must be read instead.
 */
bool garlic_procfs_read_ids_pidfd(struct reader *r);
/*
 * A pidfd of pid to read its files by path with (process-pidfd.c), or
 * -ESRCH (no such process), or -EOPNOTSUPP (this kernel, namespace or
 * task has none that proves a path's task: read through the directory).
 */
int garlic_procfs_pin(pid_t pid);
/*
 * Pinned: 0 when every file opened by path so far was the pinned task's
 * (it still holds its pid), and the ids are stored when ids is true;
 * -ESRCH when it was reaped meanwhile; another -errno.
 */
int garlic_procfs_prove(struct reader *r, bool ids);
/* Pinned: whether the task has exited (a zombie, or reaped). */
bool garlic_procfs_exited(const struct reader *r);
void garlic_procfs_read_cgroup(struct reader *r, size_t *off);
void garlic_procfs_read_comm(struct reader *r);

#endif /* GARLIC_PROCESS_READ_H */
