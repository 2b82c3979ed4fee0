/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef GARLIC_MONITOR_OUTPUT_H
#define GARLIC_MONITOR_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* output.c: a buffered writer that knows when to flush and when to stop. */
struct out {
	int fd;
	const char *path;	/* reopened on SIGHUP when set */
	bool line_buffered;
	bool broken;		/* the reader went away (EPIPE): stop quietly */
	int error;		/* another write error (errno) */
	bool memory;		/* out_buffer(): no fd, never flushed */
	char why[160];		/* why out_open() or out_reopen() failed */
	size_t len;
	char buf[65536];
};

/*
 * A memory-only stream (for text kept, not written): never flushed,
 * what does not fit in buf is dropped.
 */
void out_buffer(struct out *o);
/*
 * Standard output (path NULL) or --output's file, which is refused when
 * it is a symbolic link, not a regular file, someone else's or hard
 * linked (new: mode 0600). 0, or -errno with o->why in words.
 */
int out_open(struct out *o, const char *path);
/* SIGHUP: the path again, with the same checks; on failure the old fd stays. */
int out_reopen(struct out *o);
void out_flush(struct out *o);
void out_close(struct out *o);
void out_mem(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
/*
 * Text from processes (command lines, names) for a terminal or a line
 * log: C0 and C1 control characters (raw, or U+0080 to U+009F in UTF-8)
 * and bytes that are not UTF-8 as \n, \t or \xNN, and a backslash as
 * \\, so that none can break the one-line-per-event format or drive
 * the terminal, and every backslash is an escape.
 */
void out_text(struct out *o, const char *s, size_t n);
void out_char(struct out *o, char c);
void out_u64(struct out *o, uint64_t v);
void out_i64(struct out *o, int64_t v);
/* Right-aligns v in width columns. */
void out_u64_pad(struct out *o, uint64_t v, int width);
void out_pad(struct out *o, const char *s, int width);
void out_json_str(struct out *o, const char *s, size_t n);
/* JSON null for a NULL string. */
void out_json_cstr(struct out *o, const char *s);
/*
 * One word (an argument, a name) as a POSIX shell would read it back:
 * bare when it is plain, in single quotes otherwise ('\'' for a quote),
 * or, when it holds a C0 or C1 control character (raw or as UTF-8), a
 * byte that is not UTF-8 or a backslash, in $'...' with \n, \t, \xNN,
 * \\ and \' escapes. Never ambiguous, and nothing reaches a terminal
 * raw: a backslash is only ever an escape, inside $'...'.
 */
void out_shell_word(struct out *o, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (2 to 4), 0 if there is none. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* After each event: flushes a line-buffered stream, or a full buffer. */
void out_event_done(struct out *o);

#endif
