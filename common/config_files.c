/*
 * The files of a configuration, checked before libconfig reads any of
 * them: the main file and each file it includes, found the way libconfig
 * 1.5 finds them (an "@include" at the start of a line, outside comments
 * and strings; the name as written, relative to the current directory,
 * or joined to the include directory when one is set).  Any error here
 * stops the load before libconfig reads a byte.
 *
 * Size.  libconfig's scanner is quadratic in the length of one token (a
 * 4 MB string takes 8 s) and in the number of settings of one group (1 MB
 * of short distinct keys takes a minute), so the files together may hold
 * at most LBD_CONFIG_MAXSIZE bytes and LBD_CONFIG_MAXSETTINGS settings;
 * real ones hold kilobytes.
 *
 * Width.  libconfig 1.5 (Debian 12's) reads an integer written without an
 * L suffix into 32 bits and drops the rest without a word: "weight =
 * 4294967297" loads as 1.  When the libconfig at hand does that, each
 * such integer is reported with its file and line instead of turning
 * into another, valid-looking value.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config_files.h"
#include "config_parser.h"
#include "lbd_limits.h"

/* libconfig's MAX_INCLUDE_DEPTH: it reports deeper nesting itself. */
#define MAX_DEPTH	10
#define INCLUDE		"@include"

/* One walk over all the files of a configuration. */
struct walk {
	struct parser	*p;
	const char	*include_dir;	/* libconfig's, or NULL */
	bool		 check_ints;	/* libconfig cuts wide ints */
	size_t		 size;		/* bytes read, all files */
	unsigned	 settings;	/* settings in all files */
};

/* Where the scan of one file is: its name, the text left, the line. */
struct scan {
	const char	*file;
	const char	*s;
	unsigned	 line;
};

static int	check_file(struct walk *, const char *, const char *, int);

/* Does this libconfig keep an unsuffixed integer past 32 bits? */
static bool
libconfig_keeps_wide_ints(void)
{
	static int	known = -1;
	config_t	cf;
	long long	v = 0;

	if (known != -1)
		return (known);
	config_init(&cf);
	if (config_read_string(&cf, "x = 5000000000;") == CONFIG_TRUE)
		(void)config_lookup_int64(&cf, "x", &v);
	config_destroy(&cf);
	known = v == 5000000000LL;
	return (known);
}

/* Step over a comment or a string at sc->s, counting lines; or not. */
static bool
skip_text(struct scan *sc)
{
	const char	*s = sc->s, *end;

	if (*s == '#' || (s[0] == '/' && s[1] == '/'))
		end = s + strcspn(s, "\n");
	else if (s[0] == '/' && s[1] == '*')
		end = (end = strstr(s + 2, "*/")) ? end + 2 : s + strlen(s);
	else if (*s == '"') {
		for (end = s + 1; *end != '\0' && *end != '"'; end++)
			if (*end == '\\' && end[1] != '\0')
				end++;
		if (*end == '"')
			end++;
	} else
		return (false);
	for (; s < end; s++)
		sc->line += *s == '\n';
	sc->s = end;
	return (true);
}

/*
 * An integer literal starts at sc->s: step over it, and report it when it
 * has no L suffix and is past 32-bit int.  A float is stepped over too.
 */
static void
check_number(struct walk *w, struct scan *sc, bool negative)
{
	const char		*s = sc->s;
	bool			 hex = s[0] == '0' && (s[1] == 'x' ||
				    s[1] == 'X');
	size_t			 n;
	unsigned long long	 v, max;

	n = hex ? 2 + strspn(s + 2, "0123456789abcdefABCDEF") :
	    strspn(s, "0123456789");
	sc->s += n;
	if (!hex && *sc->s != '\0' && strchr(".eE", *sc->s) != NULL) {
		sc->s += strspn(sc->s, "0123456789.eE+-");
		return;
	}
	if (*sc->s == 'L') {
		sc->s++;
		return;
	}
	if (!w->check_ints)
		return;
	errno = 0;
	v = strtoull(s, NULL, 0);
	/* Hex past INT32_MAX comes out negative: cut all the same. */
	max = negative ? (unsigned long long)INT32_MAX + 1 : INT32_MAX;
	if (errno == ERANGE || v > max)
		parser_report_at(w->p, sc->file, sc->line, "integer %s%.*s is "
		    "past 2147483647, which libconfig would cut short; write "
		    "it with an L suffix, as in 5000000000L",
		    negative ? "-" : "", (int)n, s);
}

/*
 * An "@include" starts a line at sc->s: check the file it names and step
 * past it.  A malformed one is stepped over; libconfig will report it.
 * Returns -1 when the walk must stop.
 */
static int
follow_include(struct walk *w, struct scan *sc, int depth)
{
	const char	*s = sc->s + strlen(INCLUDE), *end;
	char		*name, path[PATH_MAX];
	int		 rc = 0;

	sc->s = s;
	if (*s != ' ' && *s != '\t')
		return (0);
	s += strspn(s, " \t");
	if (*s != '"' || (end = strchr(s + 1, '"')) == NULL)
		return (0);
	if ((name = strndup(s + 1, end - s - 1)) == NULL)
		return (0);
	if (w->include_dir == NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", w->include_dir, name);
	rc = check_file(w, path, name, depth + 1);
	free(name);
	for (; s <= end; s++)
		sc->line += *s == '\n';
	sc->s = end + 1;
	return (rc);
}

/* Count one setting at sc; -1 past the limit (reported). */
static int
count_setting(struct walk *w, const struct scan *sc)
{
	if (++w->settings <= LBD_CONFIG_MAXSETTINGS)
		return (0);
	parser_report_at(w->p, sc->file, sc->line, "too many settings: at "
	    "most %d in the file and the files it includes together",
	    LBD_CONFIG_MAXSETTINGS);
	return (-1);
}

/*
 * Scan text, all of file: integers, settings ('=' or ':' outside strings
 * and comments) and includes.  Returns -1 when the walk must stop.
 */
static int
scan_text(struct walk *w, const char *file, const char *text, int depth)
{
	struct scan	sc = { file, text, 1 };
	char		prev = ' ';
	bool		bol = true;	/* blanks only since '\n' */

	while (*sc.s != '\0') {
		if (skip_text(&sc)) {
			prev = ' ';
			bol = false;
			continue;
		}
		if (bol && strncmp(sc.s, INCLUDE, strlen(INCLUDE)) == 0) {
			if (follow_include(w, &sc, depth) == -1)
				return (-1);
			bol = false;
			continue;
		}
		if (isdigit((unsigned char)*sc.s) &&
		    !isalnum((unsigned char)prev) && prev != '_' &&
		    prev != '.') {
			check_number(w, &sc, prev == '-');
			prev = '0';
			bol = false;
			continue;
		}
		if ((*sc.s == '=' || *sc.s == ':') &&
		    count_setting(w, &sc) == -1)
			return (-1);
		bol = *sc.s == '\n' || (bol && (*sc.s == ' ' || *sc.s == '\t'));
		sc.line += *sc.s == '\n';
		prev = *sc.s++;
	}
	return (0);
}

/*
 * Read all of f, but no more than max + 1 bytes, into a NUL-terminated
 * buffer (free it); *len > max means there was more.  NULL on a read
 * error: libconfig will say why.
 */
static char *
read_bounded(FILE *f, size_t max, size_t *len)
{
	char	*text = NULL, *bigger;
	size_t	 cap = 0, n;

	*len = 0;
	do {
		if (*len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((bigger = realloc(text, cap + 1)) == NULL)
				goto fail;
			text = bigger;
		}
		n = max + 1 - *len < cap - *len ? max + 1 - *len : cap - *len;
		*len += (n = fread(text + *len, 1, n, f));
	} while (n > 0 && *len <= max);
	if (ferror(f))
		goto fail;
	text[*len] = '\0';
	return (text);
fail:
	free(text);
	return (NULL);
}

/*
 * Check the file at path, called name in messages, nested depth includes
 * deep.  One that cannot be opened or read is left to libconfig to
 * report.  Returns -1 when the walk must stop.
 */
static int
check_file(struct walk *w, const char *path, const char *name, int depth)
{
	FILE	*f;
	char	*text;
	size_t	 len;
	int	 rc;

	if (depth > MAX_DEPTH || (f = fopen(path, "r")) == NULL)
		return (0);
	text = read_bounded(f, LBD_CONFIG_MAXSIZE - w->size, &len);
	fclose(f);
	if (text == NULL)
		return (0);
	if (len > LBD_CONFIG_MAXSIZE - w->size) {
		parser_report_at(w->p, name, 0, "too large: at most %d bytes "
		    "in the file and the files it includes together",
		    LBD_CONFIG_MAXSIZE);
		free(text);
		return (-1);
	}
	w->size += len;
	rc = scan_text(w, name, text, depth);
	free(text);
	return (rc);
}

void
config_files_check(struct parser *p, const char *include_dir)
{
	struct walk	w = { p, include_dir, !libconfig_keeps_wide_ints(),
			    0, 0 };

	(void)check_file(&w, p->path, p->path, 0);
}
