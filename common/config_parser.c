/*
 * Reading libconfig settings for config_load(): typed getters that check
 * a value, and count and record each mistake as "FILE:LINE: message" in
 * the caller's buffer (relayd's error count), so that every error in a
 * file is reported, not just the first.  Nothing is logged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "clock.h"
#include "config_parser.h"

/* Move the write position *used in buf[len] on by n bytes, if it fits. */
static void
advance(size_t *used, size_t len, int n)
{
	size_t	room = len - *used;

	if (n < 0)
		return;
	*used += (size_t)n < room ? (size_t)n : room - 1;
}

/* Append "FILE:LINE: " (or "FILE: "), the message and "\n" to buf. */
static void
append(char *buf, size_t len, size_t *used, const char *file,
    unsigned line, const char *fmt, va_list ap)
{
	if (len == 0 || *used + 1 >= len)
		return;
	if (line > 0)
		advance(used, len, snprintf(buf + *used, len - *used,
		    "%s:%u: ", file, line));
	else
		advance(used, len, snprintf(buf + *used, len - *used,
		    "%s: ", file));
	advance(used, len, vsnprintf(buf + *used, len - *used, fmt, ap));
	advance(used, len, snprintf(buf + *used, len - *used, "\n"));
}

/* parser_report_at() with a va_list. */
static void
vreport(struct parser *p, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	p->nerrors++;
	append(p->err, p->errlen, &p->used, file, line, fmt, ap);
}

void
parser_report_at(struct parser *p, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vreport(p, file, line, fmt, ap);
	va_end(ap);
}

/*
 * Report an error at setting s.  The root has no line of its own, so its
 * errors (a missing top-level key) point at line 1.
 */
void
parser_report(struct parser *p, const config_setting_t *s,
    const char *fmt, ...)
{
	va_list		 ap;
	const char	*file = config_setting_source_file(s);
	unsigned	 line = config_setting_source_line(s);

	va_start(ap, fmt);
	vreport(p, file != NULL ? file : p->path, line > 0 ? line : 1,
	    fmt, ap);
	va_end(ap);
}

void
parser_warn(struct parser *p, const config_setting_t *s, const char *fmt,
    ...)
{
	va_list		 ap;
	const char	*file = config_setting_source_file(s);
	unsigned	 line = config_setting_source_line(s);

	va_start(ap, fmt);
	append(p->warn, p->warnlen, &p->wused, file != NULL ? file : p->path,
	    line > 0 ? line : 1, fmt, ap);
	va_end(ap);
}

static bool
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return (true);
	return (false);
}

/* Report each member of group g that is not known. */
void
parser_check_keys(struct parser *p, const config_setting_t *g,
    const char *const *known, const char *where)
{
	const config_setting_t	*s;
	const char		*name;

	for (int i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, i);
		name = config_setting_name(s);
		if (!in_list(known, name))
			parser_report(p, s, "unknown key \"%s\" %s", name,
			    where);
	}
}

/*
 * Member name of g when it is present and of the given type (an INT type
 * also takes INT64).  NULL when absent, or when of another type, which is
 * reported as "NAME" must be WHAT.
 */
const config_setting_t *
parser_want(struct parser *p, const config_setting_t *g, const char *name,
    int type, const char *what)
{
	const config_setting_t	*s;
	int			 t;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (NULL);
	t = config_setting_type(s);
	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return (s);
	parser_report(p, s, "\"%s\" must be %s", name, what);
	return (NULL);
}

void
parser_get_uint(struct parser *p, const config_setting_t *g,
    const char *name, long long min, long long max, unsigned *out)
{
	const config_setting_t	*s;
	long long		 v;

	s = parser_want(p, g, name, CONFIG_TYPE_INT, "an integer");
	if (s == NULL)
		return;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		parser_report(p, s, "\"%s\" must be between %lld and %lld, "
		    "not %lld", name, min, max, v);
		return;
	}
	*out = (unsigned)v;
}

void
parser_get_bool(struct parser *p, const config_setting_t *g,
    const char *name, bool *out)
{
	const config_setting_t	*s;

	s = parser_want(p, g, name, CONFIG_TYPE_BOOL, "true or false");
	if (s != NULL)
		*out = config_setting_get_bool(s) != 0;
}

int
parser_copy_string(struct parser *p, const config_setting_t *s,
    const char *name, char *out, size_t len)
{
	const char	*v;
	size_t		 n;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		parser_report(p, s, "\"%s\" must be a string", name);
		return (-1);
	}
	v = config_setting_get_string(s);
	if ((n = strlen(v)) >= len) {
		parser_report(p, s, "\"%s\" is too long: at most %zu "
		    "characters", name, len - 1);
		return (-1);
	}
	memcpy(out, v, n + 1);
	return (0);
}

int
parser_get_duration(struct parser *p, const config_setting_t *g,
    const char *name, uint64_t *ms)
{
	const config_setting_t	*s;
	long long		 v;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if ((v = config_setting_get_int64(s)) < 0) {
			parser_report(p, s, "\"%s\" must not be negative",
			    name);
			return (-1);
		}
		*ms = (uint64_t)v;
		if (v > 0 && v < DURATION_SUSPECT_MS)
			parser_warn(p, s, "warning: %s = %lld means %lld ms; "
			    "write \"%llds\" if seconds were meant", name, v, v,
			    v);
		return (1);
	case CONFIG_TYPE_STRING:
		if (clock_parse_duration(config_setting_get_string(s), ms) == 0)
			return (1);
		break;
	default:
		parser_report(p, s, "\"%s\" must be a duration: integer "
		    "milliseconds or a string such as \"2s\"", name);
		return (-1);
	}
	parser_report(p, s, "\"%s\": bad duration \"%s\": expected a number "
	    "and a unit, ms, s, m or h, such as \"250ms\" or \"2s\"", name,
	    config_setting_get_string(s));
	return (-1);
}

int
parser_get_timeout(struct parser *p, const config_setting_t *g,
    const char *name, uint64_t *ms)
{
	uint64_t	v;
	int		rc;

	if ((rc = parser_get_duration(p, g, name, &v)) != 1)
		return (rc);
	if (v == 0) {
		parser_report(p, config_setting_get_member(g, name),
		    "\"%s\" must be greater than 0", name);
		return (-1);
	}
	*ms = v;
	return (1);
}
