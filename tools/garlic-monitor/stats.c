// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --stats: counts kept per shown event, in fixed tables (a long run
 * allocates nothing), printed on standard error at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "options.h"
#include "stats.h"

#define NKINDS 32
/*
 * Distinct names counted: a power of two. Past it, a new name counts in
 * "others" only; a machine runs far fewer programs than this.
 */
#define NAME_SLOTS 4096
#define TOP 10

struct name_count {
	char name[16];		/* "" free */
	uint64_t execs;
	uint64_t failed_exit;	/* exit status not 0 */
	uint64_t killed;	/* by a signal, no core */
	uint64_t cored;		/* by a signal, with a core dump */
};

static uint64_t per_kind[NKINDS]; /* by bit number of the type */
static struct name_count names[NAME_SLOTS];
static unsigned int names_used;
static uint64_t other_execs, other_failed;

static struct name_count *name_slot(const char *name)
{
	char key[16] = "";
	uint32_t h = 2166136261u;
	size_t n;

	/* Unknown names count together as "?". */
	if (!name || !*name)
		name = "?";
	n = strnlen(name, sizeof(key) - 1);
	memcpy(key, name, n);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	for (unsigned int i = 0; i < NAME_SLOTS; i++) {
		struct name_count *c = &names[(h + i) & (NAME_SLOTS - 1)];

		if (!c->name[0]) {
			/* Three quarters full: probing would grow long. */
			if (names_used >= NAME_SLOTS / 4 * 3)
				return NULL;
			memcpy(c->name, key, sizeof(key));
			names_used++;
			return c;
		}
		if (!memcmp(c->name, key, sizeof(key)))
			return c;
	}
	return NULL;
}

void stats_count(const struct row *r)
{
	const struct garlic_event *ev = r->ev;
	struct name_count *c;
	int st;

	per_kind[ev->type ? __builtin_ctz(ev->type) : 0]++;
	if (ev->type == GARLIC_EVENT_EXEC) {
		c = name_slot(r->comm);
		if (c)
			c->execs++;
		else
			other_execs++;
	} else if (event_process_exit(ev) && ev->exit.exit_code) {
		c = name_slot(r->comm);
		st = (int)ev->exit.exit_code;
		if (!c)
			other_failed++;
		else if (WIFSIGNALED(st) && WCOREDUMP(st))
			c->cored++;
		else if (WIFSIGNALED(st))
			c->killed++;
		else
			c->failed_exit++;
	}
}

static uint64_t failures(const struct name_count *c)
{
	return c->failed_exit + c->killed + c->cored;
}

static int by_execs(const void *a, const void *b)
{
	const struct name_count *x = *(const struct name_count *const *)a;
	const struct name_count *y = *(const struct name_count *const *)b;

	if (x->execs != y->execs)
		return x->execs < y->execs ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_failures(const void *a, const void *b)
{
	const struct name_count *x = *(const struct name_count *const *)a;
	const struct name_count *y = *(const struct name_count *const *)b;

	if (failures(x) != failures(y))
		return failures(x) < failures(y) ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* A name from a process: anything but printable ASCII becomes '?'. */
static void print_name(const char *name)
{
	for (; *name; name++)
		fputc(*name > ' ' && *name < 0x7f && *name != ',' ? *name : '?', stderr);
}

/* The names with a count, most first, at most TOP; n: how many there are. */
static size_t ranked(const struct name_count **list, uint64_t (*count)(const struct name_count *),
		     int (*order)(const void *, const void *))
{
	size_t n = 0;

	for (unsigned int i = 0; i < NAME_SLOTS; i++)
		if (names[i].name[0] && count(&names[i]))
			list[n++] = &names[i];
	qsort(list, n, sizeof(*list), order);
	return n;
}

static uint64_t execs(const struct name_count *c)
{
	return c->execs;
}

static void print_commands(const struct name_count **list)
{
	size_t n = ranked(list, execs, by_execs);

	if (!n && !other_execs)
		return;
	fprintf(stderr, "  top commands:");
	for (size_t i = 0; i < n && i < TOP; i++) {
		fprintf(stderr, "%s ", i ? "," : "");
		print_name(list[i]->name);
		fprintf(stderr, " %lu", (unsigned long)list[i]->execs);
	}
	if (n > TOP)
		fprintf(stderr, ", %zu more", n - TOP);
	if (other_execs)
		fprintf(stderr, ", %lu uncounted", (unsigned long)other_execs);
	fputc('\n', stderr);
}

/* "  failed: sh 3 (exit 2, signal 1), a.out 1 (core 1)" */
static void print_failed(const struct name_count **list)
{
	size_t n = ranked(list, failures, by_failures);

	if (!n && !other_failed)
		return;
	fprintf(stderr, "  failed:");
	for (size_t i = 0; i < n && i < TOP; i++) {
		const struct name_count *c = list[i];
		const char *sep = " (";

		fprintf(stderr, "%s ", i ? "," : "");
		print_name(c->name);
		fprintf(stderr, " %lu", (unsigned long)failures(c));
		if (c->failed_exit) {
			fprintf(stderr, "%sexit %lu", sep, (unsigned long)c->failed_exit);
			sep = ", ";
		}
		if (c->killed) {
			fprintf(stderr, "%ssignal %lu", sep, (unsigned long)c->killed);
			sep = ", ";
		}
		if (c->cored)
			fprintf(stderr, "%score %lu", sep, (unsigned long)c->cored);
		fputc(')', stderr);
	}
	if (n > TOP)
		fprintf(stderr, ", %zu more", n - TOP);
	if (other_failed)
		fprintf(stderr, ", %lu uncounted", (unsigned long)other_failed);
	fputc('\n', stderr);
}

void stats_print(struct garlic *g, unsigned long shown, double seconds)
{
	struct garlic_counters c = { 0 };
	enum garlic_filter_mode mode = GARLIC_FILTER_NONE;
	static const struct name_count *list[NAME_SLOTS];
	bool first = true;

	garlic_get_counters(g, &c, sizeof(c));
	garlic_get_filter_mode(g, &mode);
	fprintf(stderr, "%s: %lu events in %.2f s (%.1f/s), %lu lost\n", PROGRAM,
		shown, seconds, seconds > 0 ? shown / seconds : 0.0, (unsigned long)c.lost);
	fprintf(stderr, "  ");
	for (int bit = 0; bit < NKINDS; bit++) {
		const char *name = garlic_event_name(1u << bit);

		if (!per_kind[bit])
			continue;
		fprintf(stderr, "%s%s %lu", first ? "" : ", ", name ? name : "other",
			(unsigned long)per_kind[bit]);
		first = false;
	}
	fprintf(stderr, "%s\n", first ? "no events" : "");
	fprintf(stderr, "  received %lu, overruns %lu, malformed %lu, foreign %lu, filter %s\n",
		(unsigned long)c.events, (unsigned long)c.overruns,
		(unsigned long)c.malformed, (unsigned long)c.foreign,
		mode == GARLIC_FILTER_KERNEL ? "kernel" : mode == GARLIC_FILTER_BPF ? "bpf" : "none");
	print_commands(list);
	print_failed(list);
}
