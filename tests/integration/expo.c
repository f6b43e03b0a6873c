/*
 * A strict checker for the Prometheus text exposition format, 0.0.4.
 *
 * The body is read line by line.  A comment line starting "# HELP " or
 * "# TYPE " declares a family; other comments are ignored, as the format
 * says.  A sample line is split into its metric name, its labels, its
 * value and an optional timestamp, each checked against the format's
 * grammar, with single spaces between them (all that lbd writes).  The
 * checker remembers each family (HELP seen, TYPE, samples seen, group
 * ended) and the canonical key of each series (name and labels sorted by
 * name), which finds a series written twice with its labels reordered.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

#define EXPO_NAMEMAX	256	/* metric and label names */
#define EXPO_LINEMAX	4096	/* one line */
#define EXPO_FAMILIES	512
#define EXPO_SERIES	8192
#define EXPO_LABELS	32	/* per sample */

struct family {
	char	name[EXPO_NAMEMAX];
	char	type[16];	/* "" until its TYPE line */
	bool	help;		/* its HELP line came */
	bool	sampled;	/* one of its samples came */
	bool	ended;		/* another family's line came after its own */
};

/* A label as written in the line, its value still escaped. */
struct label {
	const char	*name;
	size_t		 namelen;
	const char	*value;
	size_t		 valuelen;
};

struct checker {
	struct family	*fams;
	size_t		 nfams;
	long		 cur;		/* family of the last line, -1 */
	char		**series;	/* canonical keys seen so far */
	size_t		 nseries;
	unsigned	 lineno;
	char		*err;
	size_t		 errlen;
};

/* Report the first problem as "line N: ..."; returns -1. */
static int
fail(struct checker *k, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (k->err == NULL || k->errlen == 0)
		return (-1);
	n = snprintf(k->err, k->errlen, "line %u: ", k->lineno);
	if (n < 0 || (size_t)n >= k->errlen)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(k->err + n, k->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return (-1);
}

/*
 * Length of the name at p: [a-zA-Z_:][a-zA-Z0-9_:]* for a metric,
 * [a-zA-Z_][a-zA-Z0-9_]* for a label; 0 when there is none.
 */
static size_t
scan_name(const char *p, bool metric)
{
	size_t	n = 0;

	for (;; n++) {
		char	c = p[n];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (metric && c == ':'))
			continue;
		if (n > 0 && c >= '0' && c <= '9')
			continue;
		break;
	}
	return (n < EXPO_NAMEMAX ? n : 0);
}

/* The family of that name; made when create is set; NULL if none. */
static struct family *
family_get(struct checker *k, const char *name, size_t n, bool create)
{
	struct family	*f;

	for (size_t i = 0; i < k->nfams; i++)
		if (strlen(k->fams[i].name) == n &&
		    memcmp(k->fams[i].name, name, n) == 0)
			return (&k->fams[i]);
	if (!create || k->nfams == EXPO_FAMILIES)
		return (NULL);
	f = &k->fams[k->nfams++];
	memcpy(f->name, name, n);
	f->name[n] = '\0';
	return (f);
}

/*
 * A line of family f comes: the family of the line before it (if another)
 * is over, and f must not be over already.  0 or -1.
 */
static int
enter(struct checker *k, struct family *f)
{
	long	idx = f - k->fams;

	if (k->cur == idx)
		return (0);
	if (k->cur != -1)
		k->fams[k->cur].ended = true;
	k->cur = idx;
	if (f->ended)
		return (fail(k, "lines of %s are not in one group", f->name));
	return (0);
}

/* "# HELP name text": text may hold only the escapes \\ and \n. */
static int
check_help(struct checker *k, struct family *f, const char *p)
{
	if (f->help)
		return (fail(k, "second HELP for %s", f->name));
	f->help = true;
	if (*p == '\0')
		return (0);		/* the docstring may be empty */
	if (*p != ' ')
		return (fail(k, "bad name in HELP line"));
	for (p++; *p != '\0'; p++)
		if (*p == '\\' && *++p != '\\' && *p != 'n')
			return (fail(k, "bad escape in HELP of %s", f->name));
	return (0);
}

/* "# TYPE name type", nothing after; a counter's name ends in _total. */
static int
check_type(struct checker *k, struct family *f, const char *p)
{
	static const char *const types[] = {
		"counter", "gauge", "histogram", "summary", "untyped"
	};
	size_t	n = strlen(f->name);

	if (f->type[0] != '\0')
		return (fail(k, "second TYPE for %s", f->name));
	if (*p++ != ' ')
		return (fail(k, "bad name in TYPE line"));
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(p, types[i]) == 0)
			snprintf(f->type, sizeof(f->type), "%s", p);
	if (f->type[0] == '\0')
		return (fail(k, "bad type \"%s\" for %s", p, f->name));
	if (strcmp(f->type, "counter") == 0 && (n < 6 ||
	    strcmp(f->name + n - 6, "_total") != 0))
		return (fail(k, "counter %s does not end in _total", f->name));
	return (0);
}

static int
check_comment(struct checker *k, const char *line)
{
	struct family	*f;
	const char	*p = line + 7;
	size_t		 n;
	bool		 help;

	if (strncmp(line, "# HELP ", 7) == 0)
		help = true;
	else if (strncmp(line, "# TYPE ", 7) == 0)
		help = false;
	else
		return (0);		/* a plain comment */
	if ((n = scan_name(p, true)) == 0)
		return (fail(k, "bad metric name in %.6s line", line + 2));
	if ((f = family_get(k, p, n, true)) == NULL)
		return (fail(k, "too many families"));
	if (enter(k, f) == -1)
		return (-1);
	if (f->sampled)
		return (fail(k, "%s for %s after its samples",
		    help ? "HELP" : "TYPE", f->name));
	return (help ? check_help(k, f, p + n) : check_type(k, f, p + n));
}

/*
 * The family a sample named name belongs to: its own, or for name_bucket,
 * name_sum and name_count a histogram's or summary's; it must have a
 * TYPE.  NULL when there is none.
 */
static struct family *
sample_family(struct checker *k, const char *name, size_t n)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	struct family	*f;
	size_t		 len;

	f = family_get(k, name, n, false);
	if (f != NULL && f->type[0] != '\0' &&
	    strcmp(f->type, "histogram") != 0)
		return (f);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		len = strlen(sfx[i]);
		if (n <= len || memcmp(name + n - len, sfx[i], len) != 0 ||
		    (f = family_get(k, name, n - len, false)) == NULL)
			continue;
		if (strcmp(f->type, "histogram") == 0 ||
		    (i > 0 && strcmp(f->type, "summary") == 0))
			return (f);
	}
	return (NULL);
}

/* Past a label value's closing quote; escapes \\ \" \n only.  NULL: bad. */
static const char *
scan_label_value(struct checker *k, const char *p)
{
	for (; *p != '"'; p++) {
		if (*p == '\0') {
			fail(k, "unterminated label value");
			return (NULL);
		}
		if (*p == '\\' && p[1] != '\\' && p[1] != '"' &&
		    p[1] != 'n') {
			fail(k, "bad escape \\%c in a label value", p[1]);
			return (NULL);
		}
		if (*p == '\\')
			p++;
	}
	return (p + 1);
}

/* One label name="value" into labels[n], unlike those before; past it. */
static const char *
scan_label(struct checker *k, const char *p, struct label *labels, size_t n)
{
	struct label	*l = &labels[n];
	const char	*q;

	if ((l->namelen = scan_name(p, false)) == 0) {
		fail(k, "bad label name at \"%.16s\"", p);
		return (NULL);
	}
	l->name = p;
	if (l->namelen >= 2 && p[0] == '_' && p[1] == '_') {
		fail(k, "reserved label name %.*s", (int)l->namelen, p);
		return (NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (labels[i].namelen == l->namelen &&
		    memcmp(labels[i].name, p, l->namelen) == 0) {
			fail(k, "label %.*s twice", (int)l->namelen, p);
			return (NULL);
		}
	p += l->namelen;
	if (p[0] != '=' || p[1] != '"') {
		fail(k, "expected =\" after label %.*s", (int)l->namelen,
		    l->name);
		return (NULL);
	}
	l->value = p + 2;
	if ((q = scan_label_value(k, p + 2)) != NULL)
		l->valuelen = (size_t)(q - 1 - l->value);
	return (q);
}

/* The labels after "{", up to and past "}"; NULL when bad. */
static const char *
scan_labels(struct checker *k, const char *p, struct label *labels,
    size_t *n)
{
	while (*p != '}') {
		if (*n == EXPO_LABELS) {
			fail(k, "too many labels");
			return (NULL);
		}
		if ((p = scan_label(k, p, labels, *n)) == NULL)
			return (NULL);
		(*n)++;
		if (*p == ',')
			p++;		/* a trailing comma is allowed */
		else if (*p != '}') {
			fail(k, "expected , or } after a label");
			return (NULL);
		}
	}
	return (p + 1);
}

/* A Go-style float: [+-]digits[.digits][e[+-]digits], NaN, +Inf, -Inf. */
static const char *
scan_value(struct checker *k, const char *p)
{
	const char	*start = p;
	size_t		 digits = 0;

	if (strncmp(p, "NaN", 3) == 0)
		return (p + 3);
	if (strncmp(p, "+Inf", 4) == 0 || strncmp(p, "-Inf", 4) == 0)
		return (p + 4);
	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits > 0 && (*p == 'e' || *p == 'E')) {
		p += p[1] == '+' || p[1] == '-' ? 2 : 1;
		if (*p < '0' || *p > '9')
			digits = 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (digits == 0) {
		fail(k, "bad value \"%s\"", start);
		return (NULL);
	}
	return (p);
}

/* An optional timestamp: milliseconds, an integer. */
static const char *
scan_timestamp(struct checker *k, const char *p)
{
	const char	*start = p;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9') {
		fail(k, "bad timestamp \"%s\"", start);
		return (NULL);
	}
	while (*p >= '0' && *p <= '9')
		p++;
	return (p);
}

static int
label_cmp(const void *a, const void *b)
{
	const struct label	*x = a, *y = b;
	size_t			 n = x->namelen < y->namelen ? x->namelen :
				    y->namelen;
	int			 c = memcmp(x->name, y->name, n);

	if (c != 0)
		return (c);
	return (x->namelen < y->namelen ? -1 : x->namelen > y->namelen);
}

/* Remember the series; -1 when it came before. */
static int
add_series(struct checker *k, const char *name, size_t n,
    struct label *labels, size_t nlabels)
{
	char	*key = NULL;
	size_t	 keylen = 0;
	FILE	*f;

	qsort(labels, nlabels, sizeof(*labels), label_cmp);
	if ((f = open_memstream(&key, &keylen)) == NULL)
		return (fail(k, "out of memory"));
	fprintf(f, "%.*s{", (int)n, name);
	for (size_t i = 0; i < nlabels; i++)
		fprintf(f, "%.*s=\"%.*s\",", (int)labels[i].namelen,
		    labels[i].name, (int)labels[i].valuelen, labels[i].value);
	fputc('}', f);
	if (fclose(f) == EOF || k->nseries == EXPO_SERIES) {
		free(key);
		return (fail(k, "out of memory or too many series"));
	}
	for (size_t i = 0; i < k->nseries; i++)
		if (strcmp(k->series[i], key) == 0) {
			fail(k, "series %s twice", key);
			free(key);
			return (-1);
		}
	k->series[k->nseries++] = key;
	return (0);
}

static int
check_sample(struct checker *k, const char *line)
{
	struct label	 labels[EXPO_LABELS];
	struct family	*f;
	const char	*p = line;
	size_t		 n, nlabels = 0;

	if ((n = scan_name(p, true)) == 0)
		return (fail(k, "not a sample: \"%.32s\"", line));
	if ((f = sample_family(k, p, n)) == NULL)
		return (fail(k, "sample %.*s before its TYPE", (int)n, p));
	if (!f->help)
		return (fail(k, "sample %.*s before its HELP", (int)n, p));
	if (enter(k, f) == -1)
		return (-1);
	f->sampled = true;
	p += n;
	if (*p == '{' && (p = scan_labels(k, p + 1, labels, &nlabels)) ==
	    NULL)
		return (-1);
	if (*p != ' ')
		return (fail(k, "expected one space before the value"));
	if ((p = scan_value(k, p + 1)) == NULL)
		return (-1);
	if (*p == ' ' && (p = scan_timestamp(k, p + 1)) == NULL)
		return (-1);
	if (*p != '\0')
		return (fail(k, "junk after the value: \"%.32s\"", p));
	return (add_series(k, line, n, labels, nlabels));
}

static int
check_line(struct checker *k, const char *line)
{
	if (line[0] == '\0')
		return (0);		/* blank lines are allowed */
	if (strchr(line, '\r') != NULL)
		return (fail(k, "carriage return in a line"));
	if (line[0] == '#')
		return (check_comment(k, line));
	return (check_sample(k, line));
}

int
expo_check(const char *body, char *err, size_t errlen)
{
	struct checker	 k;
	const char	*p, *nl;
	char		 line[EXPO_LINEMAX];
	int		 rc = 0;

	memset(&k, 0, sizeof(k));
	k.cur = -1;
	k.err = err;
	k.errlen = errlen;
	k.fams = calloc(EXPO_FAMILIES, sizeof(*k.fams));
	k.series = calloc(EXPO_SERIES, sizeof(*k.series));
	if (k.fams == NULL || k.series == NULL)
		rc = fail(&k, "out of memory");
	for (p = body; rc == 0 && *p != '\0'; p = nl + 1) {
		k.lineno++;
		if ((nl = strchr(p, '\n')) == NULL)
			rc = fail(&k, "no newline at the end of the body");
		else if ((size_t)(nl - p) >= sizeof(line))
			rc = fail(&k, "line too long");
		else {
			memcpy(line, p, (size_t)(nl - p));
			line[nl - p] = '\0';
			rc = check_line(&k, line);
		}
	}
	for (size_t i = 0; k.series != NULL && i < k.nseries; i++)
		free(k.series[i]);
	free(k.series);
	free(k.fams);
	return (rc);
}

bool
expo_value(const char *body, const char *series, double *v)
{
	size_t		 n = strlen(series);
	const char	*p = body;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			*v = strtod(p + n + 1, NULL);
			return (true);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (false);
}

bool
expo_type(const char *body, const char *name, char *out, size_t len)
{
	char		 key[EXPO_NAMEMAX + 16];
	const char	*p;
	size_t		 n;

	snprintf(key, sizeof(key), "# TYPE %s ", name);
	for (p = body; p != NULL && *p != '\0'; ) {
		if (strncmp(p, key, strlen(key)) == 0) {
			p += strlen(key);
			n = strcspn(p, "\n");
			snprintf(out, len, "%.*s", (int)n, p);
			return (true);
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (false);
}
