// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The processes the monitor has seen: their parent, birth time, depth
 * in the observed tree and name, in a bounded open-addressing table (no
 * malloc per event); and the few /proc reads the output needs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

#define TABLE_SIZE 65536 /* a power of two; full means oldest knowledge is lost */
#define MAX_PROBE 64

static struct proc table[TABLE_SIZE];
static unsigned long followed_alive;
unsigned long proc_full;

void proc_table_init(void)
{
	memset(table, 0, sizeof(table));
	followed_alive = 0;
	proc_full = 0;
}

static size_t hash(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (TABLE_SIZE - 1);
}

struct proc *proc_find(pid_t pid)
{
	size_t h = hash(pid);

	for (int i = 0; i < MAX_PROBE; i++, h = (h + 1) & (TABLE_SIZE - 1)) {
		if (table[h].pid == pid)
			return &table[h];
		if (table[h].pid == 0)
			return NULL;
	}
	return NULL;
}

/* A live followed process: its entry is what following it means. */
static bool pinned(const struct proc *p)
{
	return p->pid > 0 && p->tracked && !p->exited;
}

static void proc_clear(struct proc *p, pid_t pid)
{
	if (pinned(p))
		followed_alive--;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
}

struct proc *proc_add(pid_t pid)
{
	size_t h = hash(pid), empty = TABLE_SIZE, victim = TABLE_SIZE;

	if (pid <= 0)
		return NULL;
	for (int i = 0; i < MAX_PROBE; i++, h = (h + 1) & (TABLE_SIZE - 1)) {
		if (table[h].pid == pid) {
			/* A reused pid: what we knew is about the old process. */
			proc_clear(&table[h], pid);
			return &table[h];
		}
		if (table[h].pid <= 0 && empty == TABLE_SIZE)
			empty = h;
		if (table[h].pid == 0)
			break;
		if (victim == TABLE_SIZE && !pinned(&table[h]))
			victim = h;
	}
	/* A full run: the oldest knowledge goes, but never a followed process. */
	if (empty == TABLE_SIZE)
		empty = victim;
	if (empty == TABLE_SIZE) {
		proc_full++;
		return NULL;
	}
	proc_clear(&table[empty], pid);
	return &table[empty];
}

void proc_remove(pid_t pid)
{
	struct proc *p = proc_find(pid);

	/* A tombstone (-1) keeps later entries of the probe run reachable. */
	if (p)
		proc_clear(p, -1);
}

void proc_follow(struct proc *p)
{
	if (!pinned(p) && !p->exited)
		followed_alive++;
	p->tracked = true;
}

void proc_gone(struct proc *p)
{
	if (!p || p->pid <= 0)
		return;
	if (!p->tracked) {
		proc_clear(p, -1);
		return;
	}
	if (!p->exited)
		followed_alive--;
	p->exited = true;
}

unsigned long proc_followed_alive(void)
{
	return followed_alive;
}

void proc_each_followed(void (*fn)(struct proc *p, void *data), void *data)
{
	for (size_t i = 0; i < TABLE_SIZE; i++)
		if (pinned(&table[i]))
			fn(&table[i], data);
}

ssize_t proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[48];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

bool proc_read_comm(pid_t pid, char *comm)
{
	ssize_t n = proc_read(pid, "comm", comm, 16);

	if (n <= 0) {
		comm[0] = '\0';
		return false;
	}
	if (comm[n - 1] == '\n')
		comm[--n] = '\0';
	return n > 0;
}

void proc_set_comm(struct proc *p, const char *name, size_t n)
{
	if (n > sizeof(p->comm) - 1)
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, name, n);
	p->comm[n] = '\0';
}

struct proc *proc_meet(pid_t tgid)
{
	struct proc *p = proc_find(tgid);

	if (p || tgid <= 0)
		return p;
	p = proc_add(tgid);
	/* Once per process: after this, exec and comm events keep it current. */
	if (p)
		proc_read_comm(tgid, p->comm);
	return p;
}

unsigned int proc_count_threads(pid_t pid)
{
	char path[40];
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n ? n - 1 : 0;
}

const char *proc_stat_after_name(pid_t pid, char *buf, size_t size)
{
	if (proc_read(pid, "stat", buf, size) <= 0)
		return NULL;
	return strrchr(buf, ')');
}

pid_t proc_read_ppid(pid_t pid)
{
	char buf[512];
	const char *rest = proc_stat_after_name(pid, buf, sizeof(buf));
	int ppid;

	if (!rest || sscanf(rest + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

uint64_t proc_read_start_ticks(pid_t pid)
{
	char buf[1024];
	const char *rest = proc_stat_after_name(pid, buf, sizeof(buf));
	unsigned long long ticks;

	/* Field 22: the 19 fields after the name's ')' come first. */
	if (!rest || sscanf(rest + 1, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
					" %*s %*s %*s %*s %*s %*s %llu", &ticks) != 1)
		return 0;
	return ticks;
}

struct parent_of {
	pid_t pid, ppid;
};

/*
 * Every process of /proc but root and those followed already, with its
 * parent. Once at start-up (or after a loss): stdio and malloc are fine.
 */
static size_t scan_parents(pid_t root, struct parent_of **out)
{
	struct parent_of *all = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	*out = NULL;
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct proc *p;
		pid_t ppid;

		if (*end || pid <= 0 || pid == root)
			continue;
		/* Followed already: the events keep it. */
		p = proc_find((pid_t)pid);
		if (p && p->tracked)
			continue;
		ppid = proc_read_ppid((pid_t)pid);
		if (ppid <= 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown)
				break;
			all = grown;
		}
		all[n].pid = (pid_t)pid;
		all[n].ppid = ppid;
		n++;
	}
	closedir(dir);
	*out = all;
	return n;
}

/* Follows the child c of a followed parent; false if the table has no room. */
static bool seed_child(const struct parent_of *c, const struct proc *parent)
{
	unsigned int depth = parent->depth + 1;
	struct proc *p = proc_find(c->pid);

	if (!p && (p = proc_add(c->pid)))
		proc_read_comm(p->pid, p->comm);
	if (!p)
		return false;
	p->ppid = c->ppid;
	p->depth = depth;
	p->threads = proc_count_threads(p->pid);
	proc_follow(p);
	return true;
}

unsigned int proc_seed_children(pid_t root)
{
	struct parent_of *all;
	size_t n = scan_parents(root, &all);
	unsigned int found = 0;
	bool grew = true;

	/* A child may be listed before its parent is known to be followed. */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			const struct proc *parent;

			if (!all[i].pid)
				continue;
			parent = proc_find(all[i].ppid);
			if (!parent || !parent->tracked || parent->exited)
				continue;
			if (!seed_child(&all[i], parent))
				continue;
			all[i].pid = 0;
			found++;
			grew = true;
		}
	}
	free(all);
	return found;
}
