/*
 * libconfig 1.5 (Debian 12's) reads an integer written without an L
 * suffix into 32 bits and drops the rest without a word: "weight =
 * 4294967297" loads as 1.  When the libconfig at hand does that, the file
 * is scanned for such integers first, so that each is reported with its
 * line instead of turning into another, valid-looking value.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config_files.h"
#include "config_parser.h"

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

/* Where the scan is: the text left and the line it is on. */
struct scan {
	const char	*s;
	unsigned	 line;
};

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
check_number(struct parser *p, struct scan *sc, bool negative)
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
	errno = 0;
	v = strtoull(s, NULL, 0);
	/* Hex past INT32_MAX comes out negative: cut all the same. */
	max = negative ? (unsigned long long)INT32_MAX + 1 : INT32_MAX;
	if (errno == ERANGE || v > max)
		parser_report_at(p, p->path, sc->line, "integer %s%.*s is "
		    "past 2147483647, which libconfig would cut short; write "
		    "it with an L suffix, as in 5000000000L",
		    negative ? "-" : "", (int)n, s);
}

/* Scan text, the whole file, for integers libconfig would cut short. */
static void
scan_ints(struct parser *p, const char *text)
{
	struct scan	sc = { text, 1 };
	char		prev = ' ';

	while (*sc.s != '\0') {
		if (skip_text(&sc)) {
			prev = ' ';
			continue;
		}
		if (isdigit((unsigned char)*sc.s) &&
		    !isalnum((unsigned char)prev) && prev != '_' &&
		    prev != '.') {
			check_number(p, &sc, prev == '-');
			prev = '0';
			continue;
		}
		sc.line += *sc.s == '\n';
		prev = *sc.s++;
	}
}

/* Read all of path; NULL when it cannot (libconfig will say why). */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0;
	long	 size;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)size + 1)) != NULL) {
		len = fread(text, 1, (size_t)size, f);
		text[len] = '\0';
	}
	fclose(f);
	return (text);
}

void
config_files_check(struct parser *p)
{
	char	*text;

	if (libconfig_keeps_wide_ints() || (text = slurp(p->path)) == NULL)
		return;
	scan_ints(p, text);
	free(text);
}
