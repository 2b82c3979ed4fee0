// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events in a GLib main loop: g_unix_fd_add() watches garlic's fd and the
 * loop quits after SECONDS (first argument, default 3). GLib is for the
 * application; the library itself never links it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include <glib-unix.h>

#include <garlic/garlic.h>

static int on_event(const struct garlic_event *ev, void *userdata)
{
	g_print("%s %d\n", garlic_event_name(ev->type) ?: "?", ev->pid);
	return 0;
}

static gboolean on_readable(gint fd, GIOCondition condition, gpointer userdata)
{
	struct garlic *g = userdata;
	int r;

	/* Never sleeps: the fd stays readable while work is left. */
	r = garlic_receive(g);
	if (r == -ENOBUFS)
		g_printerr("glib-loop: %s\n", garlic_strerror(r));
	return G_SOURCE_CONTINUE;
}

static gboolean on_timeout(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	struct garlic_open_opts opts = GARLIC_OPEN_OPTS(.flags = GARLIC_OPEN_NONBLOCK);
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	struct garlic *g;
	int r;

	r = garlic_open_opts(&g, &opts, on_event, NULL);
	if (r < 0) {
		g_printerr("glib-loop: %s\n", garlic_strerror(r));
		return 1;
	}
	g_printerr("glib-loop: listening\n");
	g_unix_fd_add(garlic_fd(g), G_IO_IN, on_readable, g);
	g_timeout_add_seconds(argc > 1 ? atoi(argv[1]) : 3, on_timeout, loop);
	g_main_loop_run(loop);
	garlic_close(g);
	g_main_loop_unref(loop);
	return 0;
}
