// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The output stream: one buffer, written with write(2). A pipe whose
 * reader left (EPIPE) ends the monitor quietly; `| head` is normal use.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "signals.h"

void out_buffer(struct out *o)
{
	o->fd = -1;
	o->path = NULL;
	o->line_buffered = false;
	o->broken = false;
	o->error = 0;
	o->memory = true;
	o->len = 0;
	o->why[0] = '\0';
}

/* What a file is, for a message refusing it. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK:
		return "a symbolic link";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "not a regular file";
	}
}

/*
 * --output's file, opened so that a root monitor cannot be made to write
 * where someone else chose: no symbolic link (O_NOFOLLOW), a regular
 * file only (O_NONBLOCK keeps a FIFO from blocking the open, and is
 * taken off again), owned by us, with one link; new files 0600. Returns
 * the fd, or -errno with why[] saying it in words.
 */
static int open_output(const char *path, char *why, size_t size)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
				O_NONBLOCK, 0600);
	if (fd < 0) {
		err = errno;
		/* The open says ELOOP, EISDIR or ENXIO (a FIFO with no reader). */
		if ((err == ELOOP || err == EISDIR || err == ENXIO) && lstat(path, &st) == 0 &&
		    !S_ISREG(st.st_mode))
			snprintf(why, size, "is %s, not a regular file: refused%s", file_kind(st.st_mode),
				 S_ISLNK(st.st_mode) ? " (it is never followed)" : "");
		else
			snprintf(why, size, "%s", strerror(err));
		return -err;
	}
	err = 0;
	if (fstat(fd, &st) < 0) {
		err = errno;
		snprintf(why, size, "%s", strerror(err));
	} else if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		snprintf(why, size, "is %s, not a regular file: refused", file_kind(st.st_mode));
	} else if (st.st_uid != geteuid()) {
		err = EPERM;
		snprintf(why, size, "is owned by uid %u, not by this user (uid %u): refused",
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_nlink > 1) {
		/* A hard link to a file of ours elsewhere (/etc/shadow, for root). */
		err = EPERM;
		snprintf(why, size, "has %lu hard links: refused", (unsigned long)st.st_nlink);
	} else if (fcntl(fd, F_SETFL, O_APPEND) < 0) {
		err = errno;
		snprintf(why, size, "%s", strerror(err));
	}
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

int out_open(struct out *o, const char *path)
{
	o->memory = false;
	o->len = 0;
	o->broken = false;
	o->error = 0;
	o->path = path;
	o->why[0] = '\0';
	if (!path) {
		o->fd = STDOUT_FILENO;
	} else {
		/* O_APPEND: logrotate's copytruncate and other writers are fine. */
		o->fd = open_output(path, o->why, sizeof(o->why));
		if (o->fd < 0)
			return o->fd;
	}
	o->line_buffered = isatty(o->fd);
	return 0;
}

/*
 * SIGHUP: a rotated log file is let go and the path opened anew, with
 * the same checks. On failure the old file stays open (what was buffered
 * went to it) and the caller decides.
 */
int out_reopen(struct out *o)
{
	int fd;

	if (!o->path)
		return 0;
	out_flush(o);
	fd = open_output(o->path, o->why, sizeof(o->why));
	if (fd < 0)
		return fd;
	close(o->fd);
	o->fd = fd;
	return 0;
}

/*
 * A non-blocking descriptor (stdout shared with a program that set
 * O_NONBLOCK) is full: wait as a blocking write would. A signal ends the
 * wait like it ends a blocking write (EINTR).
 */
static void wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	(void)poll(&p, 1, -1);
}

void out_flush(struct out *o)
{
	size_t done = 0;

	if (o->memory)
		return;
	while (done < o->len && !o->broken) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EPIPE) {
			o->broken = true;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			wait_writable(o->fd);
		} else if (n < 0 && errno != EINTR) {
			o->error = errno;
			break;
		} else if (n >= 0) {
			done += n;
		}
		/*
		 * Interrupted (EINTR, a short write to a pipe, or the wait for
		 * a non-blocking one) by SIGINT or
		 * SIGTERM: the reader is not reading, and waiting for it would
		 * make the monitor impossible to stop. What is left is dropped.
		 */
		if ((n < 0 || done < o->len) && stop_requested)
			o->broken = true;
	}
	o->len = 0;
}

void out_close(struct out *o)
{
	out_flush(o);
	if (o->path && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

void out_mem(struct out *o, const char *s, size_t n)
{
	while (n > 0) {
		size_t room = sizeof(o->buf) - o->len, chunk = n < room ? n : room;

		if (!chunk && o->memory)
			return; /* full: the rest is dropped */
		memcpy(o->buf + o->len, s, chunk);
		o->len += chunk;
		s += chunk;
		n -= chunk;
		if (o->len == sizeof(o->buf))
			out_flush(o);
	}
}

/*
 * A valid UTF-8 sequence that is not a C1 control (U+0080 to U+009F,
 * which some terminals obey as escapes, as they do the raw bytes 0x80 to
 * 0x9f that are not UTF-8): 0 if the byte must be escaped.
 */
static size_t printable_seq_len(const unsigned char *s, size_t n)
{
	size_t len = utf8_seq_len(s, n);

	return len == 2 && s[0] == 0xc2 && s[1] < 0xa0 ? 0 : len;
}

void out_text(struct out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		size_t len = c >= 0x80 ? printable_seq_len(s + i, n - i) : 0;

		if (len) {
			i += len - 1;
			continue;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			continue;
		out_mem(o, str + start, i - start);
		if (c == '\n' || c == '\t' || c == '\\') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
			out_mem(o, esc, 2);
		} else {
			out_mem(o, esc, 4);
		}
		start = i + 1;
	}
	out_mem(o, str + start, n - start);
}

void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

void out_char(struct out *o, char c)
{
	if (o->len == sizeof(o->buf))
		out_flush(o);
	if (o->len < sizeof(o->buf))
		o->buf[o->len++] = c;
}

/* Digits without printf: this runs for every field of every event. */
static size_t format_u64(char *end, uint64_t v)
{
	char *p = end;

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	return end - p;
}

void out_u64(struct out *o, uint64_t v)
{
	char buf[24];
	size_t n = format_u64(buf + sizeof(buf), v);

	out_mem(o, buf + sizeof(buf) - n, n);
}

void out_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		out_char(o, '-');
		out_u64(o, -(uint64_t)v);
	} else {
		out_u64(o, v);
	}
}

void out_u64_pad(struct out *o, uint64_t v, int width)
{
	char buf[24];
	size_t n = format_u64(buf + sizeof(buf), v);

	for (int i = (int)n; i < width; i++)
		out_char(o, ' ');
	out_mem(o, buf + sizeof(buf) - n, n);
}

void out_pad(struct out *o, const char *s, int width)
{
	size_t n = strlen(s);

	out_mem(o, s, n);
	for (int i = (int)n; i < width; i++)
		out_char(o, ' ');
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = 0, k = 1;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	if (!len || len > n)
		return 0;
	while (k < len && (s[k] & 0xc0) == 0x80)
		k++;
	/* No overlong or surrogate forms. */
	if (k != len || (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/*
 * A JSON string: quotes, backslash and control characters escaped, and
 * bytes that are not valid UTF-8 written as \u00XX so the line always
 * parses (command lines are arbitrary bytes).
 */
void out_json_str(struct out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	out_char(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			out_char(o, '\\');
			out_char(o, c);
			continue;
		}
		if (c >= 0x20 && c < 0x7f) {
			out_char(o, c);
			continue;
		}
		len = c >= 0x80 ? utf8_seq_len(s + i, n - i) : 0;
		if (len) {
			out_mem(o, (const char *)s + i, len);
			i += len - 1;
			continue;
		}
		switch (c) {
		case '\n':
			out_str(o, "\\n");
			break;
		case '\t':
			out_str(o, "\\t");
			break;
		case '\r':
			out_str(o, "\\r");
			break;
		default:
			out_str(o, "\\u00");
			out_char(o, hex[c >> 4]);
			out_char(o, hex[c & 15]);
		}
	}
	out_char(o, '"');
}

void out_json_cstr(struct out *o, const char *s)
{
	if (s)
		out_json_str(o, s, strlen(s));
	else
		out_str(o, "null");
}

/* Characters a shell never treats specially, anywhere in a word. */
static bool shell_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_@%+=:,./-", c));
}

/* How a word must be quoted for a shell to read it back as it is. */
enum shell_quoting { SHELL_PLAIN, SHELL_SINGLE, SHELL_DOLLAR };

static enum shell_quoting shell_quoting(const unsigned char *s, size_t n)
{
	bool plain = n > 0, raw = true;

	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (s[i] < 0x80) {
			/* A backslash is only ever written as an escape: \\. */
			if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
				raw = false;
			if (!shell_plain(s[i]))
				plain = false;
			continue;
		}
		plain = false;
		len = printable_seq_len(s + i, n - i);
		if (!len)
			raw = false;
		else
			i += len - 1;
	}
	return plain ? SHELL_PLAIN : raw ? SHELL_SINGLE : SHELL_DOLLAR;
}

/* 'it'\''s': single quotes, each quote in the word closed, escaped, reopened. */
static void out_single_quoted(struct out *o, const char *str, size_t n)
{
	size_t start = 0;

	out_char(o, '\'');
	for (size_t i = 0; i < n; i++) {
		if (str[i] != '\'')
			continue;
		out_mem(o, str + start, i - start);
		out_str(o, "'\\''");
		start = i + 1;
	}
	out_mem(o, str + start, n - start);
	out_char(o, '\'');
}

/* $'x\ny\xff': bash's ANSI-C quoting, for control bytes and bytes not UTF-8. */
static void out_dollar_quoted(struct out *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	out_str(o, "$'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t len;

		if (c == '\\' || c == '\'') {
			out_char(o, '\\');
			out_char(o, c);
		} else if (c == '\n') {
			out_str(o, "\\n");
		} else if (c == '\t') {
			out_str(o, "\\t");
		} else if (c >= 0x20 && c < 0x7f) {
			out_char(o, c);
		} else if (c >= 0x80 && (len = printable_seq_len(s + i, n - i))) {
			out_mem(o, str + i, len);
			i += len - 1;
		} else {
			/* Exactly two digits: bash's \xHH reads no more. */
			out_str(o, "\\x");
			out_char(o, hex[c >> 4]);
			out_char(o, hex[c & 15]);
		}
	}
	out_char(o, '\'');
}

void out_shell_word(struct out *o, const char *str, size_t n)
{
	switch (shell_quoting((const unsigned char *)str, n)) {
	case SHELL_PLAIN:
		out_mem(o, str, n);
		break;
	case SHELL_SINGLE:
		out_single_quoted(o, str, n);
		break;
	case SHELL_DOLLAR:
		out_dollar_quoted(o, str, n);
		break;
	}
}

void out_event_done(struct out *o)
{
	if (o->line_buffered || o->len > sizeof(o->buf) - 8192)
		out_flush(o);
}
