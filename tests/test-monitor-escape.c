// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * garlic-monitor's human output never lets a control byte through: C0,
 * C1 (raw 0x80-0x9f and UTF-8 U+0080-U+009F) and the backslash come out
 * as escapes in argv words, process names and user and group names.
 * NSS is replaced (getpwuid_r/getgrgid_r below) to hand out hostile names.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include <garlic/garlic.h>

#include "names.h"
#include "options.h"
#include "output.h"
#include "row.h"
#include "sink.h"

/* A title-setting OSC sequence, a CSI as one C1 byte and in UTF-8, a backslash. */
#define EVIL_USER "ev\x1b]0;pwn\x07il"
#define EVIL_GROUP "g\x9b" "31m\xc2\x9b" "1m\\x"

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t size, struct passwd **result)
{
	memset(pw, 0, sizeof(*pw));
	snprintf(buf, size, "%s", uid == 0 ? "root" : EVIL_USER);
	pw->pw_name = buf;
	*result = pw;
	return 0;
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t size, struct group **result)
{
	memset(gr, 0, sizeof(*gr));
	snprintf(buf, size, "%s", EVIL_GROUP);
	gr->gr_name = buf;
	*result = gr;
	return 0;
}

static struct out o;

static const char *shell_word(const char *s, size_t n)
{
	out_buffer(&o);
	out_shell_word(&o, s, n);
	out_char(&o, '\0');
	return o.buf;
}

static const char *text(const char *s, size_t n)
{
	out_buffer(&o);
	out_text(&o, s, n);
	out_char(&o, '\0');
	return o.buf;
}

#define WORD(lit) shell_word(lit, sizeof(lit) - 1)
#define TEXT(lit) text(lit, sizeof(lit) - 1)

/* No C0 but the final newline, no DEL, no C1 raw or in UTF-8. */
static void assert_clean(const char *line)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t n = strlen(line);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && i == n - 1)
			continue;
		g_assert_cmpuint(s[i], >=, 0x20);
		g_assert_cmpuint(s[i], !=, 0x7f);
		if (s[i] >= 0x80 && s[i] <= 0x9f)
			/* only as a continuation of a valid sequence */
			g_assert_true(i > 0 && s[i - 1] >= 0x80);
		if (s[i] == 0xc2 && i + 1 < n)
			g_assert_cmpuint(s[i + 1], >=, 0xa0);
	}
	g_assert_true(g_utf8_validate(line, -1, NULL));
}

static void test_shell_word(void)
{
	g_assert_cmpstr(WORD("plain"), ==, "plain");
	g_assert_cmpstr(WORD("a b"), ==, "'a b'");
	/* A backslash is always an escape, never raw. */
	g_assert_cmpstr(WORD("a\\b"), ==, "$'a\\\\b'");
	g_assert_cmpstr(WORD("\\"), ==, "$'\\\\'");
	g_assert_cmpstr(WORD("\x1b[31m"), ==, "$'\\x1b[31m'");
	g_assert_cmpstr(WORD("\x7f"), ==, "$'\\x7f'");
	g_assert_cmpstr(WORD("a\nb\tc"), ==, "$'a\\nb\\tc'");
	/* C1 as a raw byte and as UTF-8 (U+009B, CSI). */
	g_assert_cmpstr(WORD("x\x9by"), ==, "$'x\\x9by'");
	g_assert_cmpstr(WORD("x\xc2\x9by"), ==, "$'x\\xc2\\x9by'");
	g_assert_cmpstr(WORD("\xc2\x80"), ==, "$'\\xc2\\x80'");
	g_assert_cmpstr(WORD("\xc2\x9f"), ==, "$'\\xc2\\x9f'");
	/* Printable UTF-8 stays: U+00A0, U+00E9, U+2192. */
	g_assert_cmpstr(WORD("\xc2\xa0"), ==, "'\xc2\xa0'");
	g_assert_cmpstr(WORD("caf\xc3\xa9"), ==, "'caf\xc3\xa9'");
	g_assert_cmpstr(WORD("a\xe2\x86\x92" "b\\"), ==, "$'a\xe2\x86\x92" "b\\\\'");
	/* A quote with a control character: both escaped. */
	g_assert_cmpstr(WORD("it's\x01"), ==, "$'it\\'s\\x01'");
	g_assert_cmpstr(WORD(""), ==, "''");
}

static void test_text(void)
{
	g_assert_cmpstr(TEXT("plain text"), ==, "plain text");
	g_assert_cmpstr(TEXT("a\\b"), ==, "a\\\\b");
	g_assert_cmpstr(TEXT("\x1b\x7f\n\t"), ==, "\\x1b\\x7f\\n\\t");
	g_assert_cmpstr(TEXT("\x9b\xc2\x85\xc2\xa0\xc3\xa9"), ==, "\\x9b\\xc2\\x85\xc2\xa0\xc3\xa9");
	g_assert_cmpstr(TEXT("\xff\xc3"), ==, "\\xff\\xc3");
}

/* Every byte from 0 to 255, alone and after a lead byte: nothing raw gets through. */
static void test_every_byte(void)
{
	for (unsigned int c = 0; c < 256; c++) {
		char one[2] = { (char)c, 'z' }, two[3] = { (char)0xc2, (char)c, 'z' };

		out_buffer(&o);
		out_shell_word(&o, one, 2);
		out_char(&o, ' ');
		out_shell_word(&o, two, 3);
		out_char(&o, ' ');
		out_text(&o, one, 2);
		out_char(&o, ' ');
		out_text(&o, two, 3);
		out_char(&o, '\0');
		assert_clean(o.buf);
	}
}

static const char *line_of(const struct garlic_event *ev, const char *comm)
{
	struct options opt = { 0 };
	struct row r = { .ev = ev, .pid = ev->pid, .tgid = ev->tgid, .ppid = 1, .comm = comm,
			 .lifetime_ns = -1 };

	out_buffer(&o);
	human_line(&o, &opt, &r, false);
	out_char(&o, '\0');
	return o.buf;
}

/* uid and gid lines: the names from NSS are quoted, not printed raw. */
static void test_id_names(void)
{
	struct garlic_event ev = { .type = GARLIC_EVENT_UID, .pid = 42, .tgid = 42 };
	const char *line;

	ev.uid.real_id = 0;
	ev.uid.effective_id = 1000;
	line = line_of(&ev, "su");
	g_test_message("%s", line);
	g_assert_nonnull(strstr(line, "su: ruid 0 (root) euid 1000 ($'ev\\x1b]0;pwn\\x07il')\n"));
	assert_clean(line);

	ev.type = GARLIC_EVENT_GID;
	ev.gid.real_id = 5;
	ev.gid.effective_id = 5;
	line = line_of(&ev, "sg");
	g_test_message("%s", line);
	g_assert_nonnull(strstr(line, "rgid 5 ($'g\\x9b31m\\xc2\\x9b1m\\\\x') egid 5 ("));
	assert_clean(line);
}

/* Process names (comm) with C1 bytes and backslashes. */
static void test_comm(void)
{
	struct garlic_event ev = { .type = GARLIC_EVENT_COMM, .pid = 7, .tgid = 7 };
	const char *line;

	strcpy(ev.comm.command, "n\xc2\x9b" "a\\m\x9b");
	{
		struct options opt = { 0 };
		struct row r = { .ev = &ev, .pid = 7, .tgid = 7, .comm = ev.comm.command,
				 .prev_comm = "old\x1b", .lifetime_ns = -1 };

		out_buffer(&o);
		human_line(&o, &opt, &r, false);
		out_char(&o, '\0');
		line = o.buf;
	}
	g_test_message("%s", line);
	g_assert_nonnull(strstr(line, "$'old\\x1b' \xe2\x86\x92 $'n\\xc2\\x9ba\\\\m\\x9b'\n"));
	assert_clean(line);

	ev.type = GARLIC_EVENT_SID;
	line = line_of(&ev, "\x85\\");
	g_assert_nonnull(strstr(line, "$'\\x85\\\\': new session\n"));
	assert_clean(line);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor-escape/shell-word", test_shell_word);
	g_test_add_func("/monitor-escape/text", test_text);
	g_test_add_func("/monitor-escape/every-byte", test_every_byte);
	g_test_add_func("/monitor-escape/id-names", test_id_names);
	g_test_add_func("/monitor-escape/comm", test_comm);
	return g_test_run();
}
