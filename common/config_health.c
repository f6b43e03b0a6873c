/*
 * The health group of a service: active checks (type, interval, timeout,
 * rise, fall, and for http the path and the statuses expected), passive
 * checks (max_fails within fail_timeout) and slowstart.  One of the parts
 * of config_load(); errors are reported through config_parser.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_health.h"
#include "config_parser.h"

/* Active checks (interval ... expect) and passive ones (max_fails ...). */
#define DEF_INTERVAL_MS	(2 * 1000)
#define DEF_CHECK_MS	(1 * 1000)	/* health timeout */
#define DEF_RISE	2
#define DEF_FALL	3
#define MAX_RISE_FALL	100
#define DEF_PATH	"/"
#define DEF_EXPECT_MIN	200
#define DEF_EXPECT_MAX	399
#define MIN_STATUS	100
#define MAX_STATUS	599
#define DEF_MAX_FAILS	3
#define MAX_MAX_FAILS	1000
#define DEF_FAIL_MS	(10 * 1000)	/* fail_timeout */

const char *const config_health_keys[] = {
	"type", "interval", "timeout", "rise", "fall", "path", "expect",
	"max_fails", "fail_timeout", "slowstart", NULL
};

/* Indexed by enum health_type. */
static const char *const health_names[] = { "none", "tcp", "http" };

/*
 * Health defaults, also those of a service without a health group: no
 * active checks, but passive ones (max_fails, fail_timeout) on.
 */
static void
health_init(struct health_config *h)
{
	memset(h, 0, sizeof(*h));
	h->type = HEALTH_NONE;
	h->interval_ms = DEF_INTERVAL_MS;
	h->timeout_ms = DEF_CHECK_MS;
	h->rise = DEF_RISE;
	h->fall = DEF_FALL;
	memcpy(h->path, DEF_PATH, sizeof(DEF_PATH));
	h->expect_min = DEF_EXPECT_MIN;
	h->expect_max = DEF_EXPECT_MAX;
	h->max_fails = DEF_MAX_FAILS;
	h->fail_timeout_ms = DEF_FAIL_MS;
	h->slowstart_ms = 0;
}

/*
 * The check type; a health group that names none checks with tcp.
 * Returns 0, or -1 when the type is wrong (reported).
 */
static int
parse_health_type(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	const config_setting_t	*s;
	const char		*v;

	h->type = HEALTH_TCP;
	if (config_setting_get_member(g, "type") == NULL)
		return (0);
	if ((s = parser_want(p, g, "type", CONFIG_TYPE_STRING,
	    "a string")) == NULL)
		return (-1);
	v = config_setting_get_string(s);
	for (size_t i = 0; i < NELEM(health_names); i++)
		if (strcmp(v, health_names[i]) == 0) {
			h->type = (enum health_type)i;
			return (0);
		}
	parser_report(p, s, "unknown health type \"%s\": expected none, tcp "
	    "or http", v);
	return (-1);
}

/*
 * interval and timeout, each above 0.  A check ends before the next one
 * of the same backend is due, so timeout may not exceed interval; when
 * left out, it is 1s or the interval if that is shorter.
 */
static void
parse_health_times(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	int	has_interval, has_timeout;

	has_interval = parser_get_timeout(p, g, "interval", &h->interval_ms);
	has_timeout = parser_get_timeout(p, g, "timeout", &h->timeout_ms);
	if (has_interval == -1 || has_timeout == -1 ||
	    h->timeout_ms <= h->interval_ms)
		return;
	if (has_timeout == 0) {
		h->timeout_ms = h->interval_ms;
		return;
	}
	parser_report(p, config_setting_get_member(g, "timeout"),
	    "\"timeout\" must not exceed \"interval\" (%llu ms), not %llu ms",
	    (unsigned long long)h->interval_ms,
	    (unsigned long long)h->timeout_ms);
}

/*
 * The http check's request path, sent as is in "GET path HTTP/1.1": it
 * starts with '/' and holds no space or control character, which would
 * break the request line.  The value is not echoed, for the same reason.
 */
static void
parse_health_path(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, "path")) == NULL ||
	    parser_copy_string(p, s, "path", h->path, sizeof(h->path)) == -1)
		return;
	if (h->path[0] != '/') {
		parser_report(p, s, "\"path\" must start with '/'");
		return;
	}
	for (const char *c = h->path; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			parser_report(p, s, "\"path\" must not contain spaces "
			    "or control characters");
			return;
		}
}

/* Read a number at *v and move *v past it; -1 when no digit is there. */
static int
read_code(const char **v, unsigned long *code)
{
	char	*end;

	if (!isdigit((unsigned char)**v))
		return (-1);
	errno = 0;
	*code = strtoul(*v, &end, 10);
	if (errno != 0)
		return (-1);
	*v = end;
	return (0);
}

/* "200" or "200-399" into [*min, *max]; -1 when it is neither. */
static int
read_codes(const char *v, unsigned long *min, unsigned long *max)
{
	if (read_code(&v, min) == -1)
		return (-1);
	*max = *min;
	if (*v == '-') {
		v++;
		if (read_code(&v, max) == -1)
			return (-1);
	}
	return (*v == '\0' ? 0 : -1);
}

/* Check a status range [min, max] and store it in h; 0 or -1 (reported). */
static int
set_expect(struct parser *p, const config_setting_t *s, long long min,
    long long max, struct health_config *h)
{
	long long	bad;

	/* Name the first code out of range, if any. */
	bad = min < MIN_STATUS || min > MAX_STATUS ? min : max;
	if (bad < MIN_STATUS || bad > MAX_STATUS) {
		parser_report(p, s, "\"expect\": status codes must be between "
		    "%d and %d, not %lld", MIN_STATUS, MAX_STATUS, bad);
		return (-1);
	}
	if (min > max) {
		parser_report(p, s, "\"expect\": range \"%lld-%lld\" is "
		    "backwards: write the lower code first", min, max);
		return (-1);
	}
	h->expect_min = (unsigned)min;
	h->expect_max = (unsigned)max;
	return (0);
}

/*
 * The statuses an http check accepts: a code or a range, as a string
 * ("200", "200-399"); a bare integer is taken as one code too.
 */
static void
parse_health_expect(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	const config_setting_t	*s;
	unsigned long		 min, max;
	long long		 code;

	if ((s = config_setting_get_member(g, "expect")) == NULL)
		return;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		code = config_setting_get_int64(s);
		(void)set_expect(p, s, code, code, h);
		return;
	case CONFIG_TYPE_STRING:
		if (read_codes(config_setting_get_string(s), &min, &max) == 0) {
			(void)set_expect(p, s, (long long)min, (long long)max,
			    h);
			return;
		}
		parser_report(p, s, "bad \"expect\" \"%s\": expected a status "
		    "code or a range such as \"200-399\"",
		    config_setting_get_string(s));
		return;
	default:
		parser_report(p, s, "\"expect\" must be a status code or a "
		    "range such as \"200-399\"");
	}
}

/* path and expect shape the http request and answer: only http has them. */
static void
check_http_only(struct parser *p, const config_setting_t *g)
{
	static const char *const keys[] = { "path", "expect" };
	const config_setting_t	*s;

	for (size_t i = 0; i < NELEM(keys); i++)
		if ((s = config_setting_get_member(g, keys[i])) != NULL)
			parser_report(p, s, "%s is only for type = \"http\"",
			    keys[i]);
}

/*
 * The health group: active checks (type, interval, timeout, rise, fall,
 * and for http path and expect), passive checks (max_fails within
 * fail_timeout) and slowstart.  Without a group: type none, the rest at
 * their defaults, so passive checks still run.
 */
void
config_health_parse(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	const config_setting_t	*s;
	int			 rc;

	health_init(h);
	s = parser_want(p, g, "health", CONFIG_TYPE_GROUP,
	    "a group: { type = \"tcp\"; ... }");
	if (s == NULL)
		return;
	parser_check_keys(p, s, config_health_keys, "in health");
	/* After a bad type, path and expect cannot be judged: skip them. */
	rc = parse_health_type(p, s, h);
	if (rc == 0 && h->type == HEALTH_HTTP) {
		parse_health_path(p, s, h);
		parse_health_expect(p, s, h);
	} else if (rc == 0)
		check_http_only(p, s);
	parse_health_times(p, s, h);
	parser_get_uint(p, s, "rise", 1, MAX_RISE_FALL, &h->rise);
	parser_get_uint(p, s, "fall", 1, MAX_RISE_FALL, &h->fall);
	parser_get_uint(p, s, "max_fails", 0, MAX_MAX_FAILS, &h->max_fails);
	parser_get_timeout(p, s, "fail_timeout", &h->fail_timeout_ms);
	parser_get_duration(p, s, "slowstart", &h->slowstart_ms);
}

const char *
config_health_name(enum health_type t)
{
	if ((size_t)t >= NELEM(health_names))
		return ("unknown");
	return (health_names[t]);
}
