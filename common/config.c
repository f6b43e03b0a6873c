/*
 * Configuration: a libconfig file becomes a plain struct config.  Every
 * rule is checked here and every mistake is reported, not just the first,
 * each as "FILE:LINE: message" in the caller's buffer (relayd's error
 * count), so an operator fixes a file in one pass.  Nothing is logged.
 *
 * A value planned for later work (mode = "http") is rejected as "not
 * supported yet" rather than ignored: a silently ignored setting would
 * look like a working one.  Reading values and recording errors is
 * config_parser.c's job; this file knows the keys and rules.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libconfig.h>

#include "clock.h"
#include "config.h"
#include "config_parser.h"
#include "log.h"
#include "net.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_MAXCONN	1000000	/* global and per-backend maxconn */
#define DEF_MAXCONN	10000
#define DEF_PIDFILE	"/run/lbd.pid"
#define DEF_SHUTDOWN_MS	(30 * 1000)
#define DEF_RETRIES	2
#define DEF_CONNECT_MS	(5 * 1000)
#define DEF_IDLE_MS	(60 * 1000)	/* client and server timeouts */
#define NETERRLEN	512
#define CONTROL_PATHMAX	108	/* sun_path of struct sockaddr_un */

/* Health checks: active (interval ... expect) and passive (max_fails ...). */
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

static const char *const top_keys[] = {
	"workers", "maxconn", "pidfile", "shutdown_timeout", "log", "stats",
	"services", "user", "group", "control", NULL
};
static const char *const log_keys[] = {
	"level", "facility", "access", NULL
};
static const char *const stats_keys[] = { "listen", NULL };
static const char *const service_keys[] = {
	"name", "listen", "mode", "balance", "retries", "timeouts",
	"health", "backends", NULL
};
static const char *const timeout_keys[] = {
	"connect", "client", "server", "queue", NULL
};
static const char *const health_keys[] = {
	"type", "interval", "timeout", "rise", "fall", "path", "expect",
	"max_fails", "fail_timeout", "slowstart", NULL
};
static const char *const backend_keys[] = {
	"name", "address", "weight", "maxconn", "backup", NULL
};

/* Indexed by enum balance_method, enum health_type, enum service_mode. */
static const char *const balance_names[] = {
	"roundrobin", "leastconn", "leasttime", "random", "source"
};
static const char *const health_names[] = { "none", "tcp", "http" };
static const char *const mode_names[] = { "tcp", "http" };

static bool
is_name_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/*
 * Names appear in logs and in metrics labels, so they are kept to a
 * charset that needs no quoting anywhere.
 */
static bool
check_name(struct parser *p, const config_setting_t *s, const char *name)
{
	if (name[0] == '\0') {
		parser_report(p, s, "\"name\" must not be empty");
		return (false);
	}
	for (const char *c = name; *c != '\0'; c++)
		if (!is_name_char(*c)) {
			parser_report(p, s, "bad name \"%s\": use only "
			    "letters, digits, '_', '.' and '-'", name);
			return (false);
		}
	return (true);
}

static in_port_t
addr_port(const struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return (((const struct sockaddr_in6 *)(const void *)&a->ss)
		    ->sin6_port);
	return (((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
}

static bool
addr_is_wildcard(const struct net_addr *a)
{
	const struct sockaddr_in	*s4 = (const void *)&a->ss;
	const struct sockaddr_in6	*s6 = (const void *)&a->ss;

	if (a->ss.ss_family == AF_INET6)
		return (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
	return (s4->sin_addr.s_addr == htonl(INADDR_ANY));
}

/*
 * True when a and b cannot both be bound: the same address, or the
 * wildcard and another address of the same family on the same port
 * (Linux refuses the second bind even with SO_REUSEADDR).
 */
static bool
addr_clash(const struct net_addr *a, const struct net_addr *b)
{
	if (net_addr_equal(a, b))
		return (true);
	if (a->ss.ss_family != b->ss.ss_family || addr_port(a) != addr_port(b))
		return (false);
	return (addr_is_wildcard(a) || addr_is_wildcard(b));
}

/*
 * Report at s when addr clashes with a listen address already accepted.
 * Services not parsed yet have nlisten 0, so this sees only earlier ones.
 */
static bool
listen_clash(struct parser *p, const config_setting_t *s, const char *what,
    const char *text, const struct net_addr *addr)
{
	const struct service_config	*svc;

	for (size_t i = 0; i < p->conf->nservices; i++) {
		svc = &p->conf->services[i];
		for (size_t j = 0; j < svc->nlisten; j++) {
			if (!addr_clash(addr, &svc->listen[j]))
				continue;
			parser_report(p, s, "%s address \"%s\" clashes with "
			    "\"%s\" of service \"%s\"", what, text,
			    svc->listen_text[j], svc->name);
			return (true);
		}
	}
	return (false);
}

/* Parse one listen address (string setting s) into service svc. */
static void
add_listen(struct parser *p, const config_setting_t *s,
    struct service_config *svc)
{
	char	 neterr[NETERRLEN];
	char	*text = svc->listen_text[svc->nlisten];

	if (parser_copy_string(p, s, "listen", text, LBD_ADDRLEN) == -1)
		return;
	if (net_addr_parse(text, &svc->listen[svc->nlisten], neterr,
	    sizeof(neterr)) == -1) {
		parser_report(p, s, "%s", neterr);
		return;
	}
	if (!listen_clash(p, s, "listen", text, &svc->listen[svc->nlisten]))
		svc->nlisten++;
}

/* "listen" is one address string, or an array or list of them. */
static void
parse_listen(struct parser *p, const config_setting_t *g,
    struct service_config *svc, const char *what)
{
	const config_setting_t	*l;
	int			 n;

	if ((l = config_setting_get_member(g, "listen")) == NULL) {
		parser_report(p, g, "%s has no \"listen\" address", what);
		return;
	}
	if (config_setting_type(l) == CONFIG_TYPE_STRING) {
		add_listen(p, l, svc);
		return;
	}
	if (!config_setting_is_array(l) && !config_setting_is_list(l)) {
		parser_report(p, l, "\"listen\" must be a string or a list of "
		    "strings");
		return;
	}
	if ((n = config_setting_length(l)) == 0)
		parser_report(p, l, "\"listen\" is empty: give at least one "
		    "address");
	else if (n > LBD_MAX_LISTEN)
		parser_report(p, l, "too many listen addresses: %d, at most "
		    "%d", n, LBD_MAX_LISTEN);
	for (int i = 0; i < n && i < LBD_MAX_LISTEN; i++)
		add_listen(p, config_setting_get_elem(l, i), svc);
}

static void
parse_mode(struct parser *p, const config_setting_t *g,
    struct service_config *svc)
{
	const config_setting_t	*s;
	const char		*v;

	svc->mode = MODE_TCP;
	s = parser_want(p, g, "mode", CONFIG_TYPE_STRING, "a string");
	if (s == NULL)
		return;
	v = config_setting_get_string(s);
	if (strcmp(v, "http") == 0)
		parser_report(p, s, "mode \"http\": not supported yet");
	else if (strcmp(v, "tcp") != 0)
		parser_report(p, s, "unknown mode \"%s\": expected tcp or "
		    "http", v);
}

static void
parse_balance(struct parser *p, const config_setting_t *g,
    struct service_config *svc)
{
	const config_setting_t	*s;
	const char		*v;

	svc->balance = BALANCE_ROUNDROBIN;
	s = parser_want(p, g, "balance", CONFIG_TYPE_STRING, "a string");
	if (s == NULL)
		return;
	v = config_setting_get_string(s);
	for (size_t i = 0; i < NELEM(balance_names); i++)
		if (strcmp(v, balance_names[i]) == 0) {
			svc->balance = (enum balance_method)i;
			return;
		}
	parser_report(p, s, "unknown balance method \"%s\": expected "
	    "roundrobin|leastconn|leasttime|random|source", v);
}

/*
 * Timeouts default to connect 5s, client and server 60s, queue = connect.
 * queue bounds the wait of a client while every backend is at maxconn.
 */
static void
parse_timeouts(struct parser *p, const config_setting_t *g,
    struct service_timeouts *t)
{
	const config_setting_t	*s;
	bool			 has_queue = false;

	t->connect_ms = DEF_CONNECT_MS;
	t->client_ms = DEF_IDLE_MS;
	t->server_ms = DEF_IDLE_MS;
	s = parser_want(p, g, "timeouts", CONFIG_TYPE_GROUP,
	    "a group: { connect = \"5s\"; ... }");
	if (s != NULL) {
		parser_check_keys(p, s, timeout_keys, "in timeouts");
		parser_get_timeout(p, s, "connect", &t->connect_ms);
		parser_get_timeout(p, s, "client", &t->client_ms);
		parser_get_timeout(p, s, "server", &t->server_ms);
		has_queue = parser_get_timeout(p, s, "queue",
		    &t->queue_ms) != 0;
	}
	if (!has_queue)
		t->queue_ms = t->connect_ms;
}

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
static void
parse_health(struct parser *p, const config_setting_t *g,
    struct health_config *h)
{
	const config_setting_t	*s;
	int			 rc;

	health_init(h);
	s = parser_want(p, g, "health", CONFIG_TYPE_GROUP,
	    "a group: { type = \"tcp\"; ... }");
	if (s == NULL)
		return;
	parser_check_keys(p, s, health_keys, "in health");
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

static void
parse_backend_address(struct parser *p, const config_setting_t *g,
    struct backend_config *be)
{
	const config_setting_t	*s;
	char			 neterr[NETERRLEN];

	if ((s = config_setting_get_member(g, "address")) == NULL) {
		parser_report(p, g, "backend has no \"address\"");
		return;
	}
	if (parser_copy_string(p, s, "address", be->address,
	    sizeof(be->address)) == -1)
		return;
	if (net_addr_parse(be->address, &be->addr, neterr,
	    sizeof(neterr)) == -1)
		parser_report(p, s, "%s", neterr);
}

/*
 * A backend's name is given, or else its address as written.  Names are
 * its identity across reloads, so two backends of a service may not share
 * one, even a defaulted one.
 */
static void
parse_backend_name(struct parser *p, const config_setting_t *g,
    struct service_config *svc, size_t k)
{
	struct backend_config	*be = &svc->backends[k];
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, "name")) != NULL) {
		if (parser_copy_string(p, s, "name", be->name,
		    sizeof(be->name)) == -1 || !check_name(p, s, be->name))
			return;
	} else if (strlen(be->address) < sizeof(be->name)) {
		s = g;
		memcpy(be->name, be->address, strlen(be->address) + 1);
	} else {
		parser_report(p, g, "address too long to name the backend: "
		    "give it a \"name\"");
		return;
	}
	for (size_t j = 0; j < k && be->name[0] != '\0'; j++)
		if (strcmp(svc->backends[j].name, be->name) == 0) {
			parser_report(p, s, "duplicate backend name \"%s\" in "
			    "service \"%s\"", be->name, svc->name);
			return;
		}
}

static void
parse_backend(struct parser *p, const config_setting_t *g,
    struct service_config *svc, size_t k)
{
	struct backend_config	*be = &svc->backends[k];

	if (!config_setting_is_group(g)) {
		parser_report(p, g, "backend %zu must be a group: { address = "
		    "\"host:port\"; }", k + 1);
		return;
	}
	parser_check_keys(p, g, backend_keys, "in backend");
	be->weight = 1;
	parse_backend_address(p, g, be);
	parse_backend_name(p, g, svc, k);
	parser_get_uint(p, g, "weight", 0, LBD_MAX_WEIGHT, &be->weight);
	parser_get_uint(p, g, "maxconn", 0, MAX_MAXCONN, &be->maxconn);
	parser_get_bool(p, g, "backup", &be->backup);
}

/* Report list l (called name) when empty or not a list; true when usable. */
static bool
check_list(struct parser *p, const config_setting_t *l, const char *name,
    const char *empty)
{
	if (config_setting_is_aggregate(l) && !config_setting_is_group(l) &&
	    config_setting_length(l) == 0) {
		parser_report(p, l, "%s", empty);
		return (false);
	}
	if (!config_setting_is_list(l)) {
		parser_report(p, l, "\"%s\" must be a list of groups: ( { "
		    "... }, ... )", name);
		return (false);
	}
	return (true);
}

static void
parse_backends(struct parser *p, const config_setting_t *g,
    struct service_config *svc, const char *what)
{
	const config_setting_t	*l;
	int			 n;

	if ((l = config_setting_get_member(g, "backends")) == NULL) {
		parser_report(p, g, "%s has no backend: add backends = ( { "
		    "address = \"host:port\"; } );", what);
		return;
	}
	if (!check_list(p, l, "backends", "no backend: \"backends\" is empty"))
		return;
	if ((n = config_setting_length(l)) > LBD_MAX_BACKENDS) {
		parser_report(p, l, "too many backends: %d, at most %d", n,
		    LBD_MAX_BACKENDS);
		n = LBD_MAX_BACKENDS;
	}
	if ((svc->backends = calloc(n, sizeof(*svc->backends))) == NULL) {
		parser_report(p, l, "out of memory");
		return;
	}
	svc->nbackends = n;
	for (int i = 0; i < n; i++)
		parse_backend(p, config_setting_get_elem(l, i), svc, i);
	for (int i = 0; i < n; i++)
		if (svc->backends[i].weight > 0)
			return;
	parser_report(p, l, "no backend can be chosen: every weight is 0");
}

/* The service name: required, well-formed and unique. */
static void
parse_service_name(struct parser *p, const config_setting_t *g, size_t i)
{
	struct service_config	*svc = &p->conf->services[i];
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, "name")) == NULL) {
		parser_report(p, g, "service has no \"name\"");
		return;
	}
	if (parser_copy_string(p, s, "name", svc->name,
	    sizeof(svc->name)) == -1 || !check_name(p, s, svc->name)) {
		svc->name[0] = '\0';
		return;
	}
	for (size_t j = 0; j < i; j++)
		if (strcmp(p->conf->services[j].name, svc->name) == 0) {
			parser_report(p, s, "duplicate service name \"%s\"",
			    svc->name);
			return;
		}
}

static void
parse_service(struct parser *p, const config_setting_t *g, size_t i)
{
	struct service_config	*svc = &p->conf->services[i];
	char			 what[LBD_NAMELEN + 32];

	if (!config_setting_is_group(g)) {
		parser_report(p, g, "service %zu must be a group: { name = "
		    "...; }", i + 1);
		return;
	}
	parser_check_keys(p, g, service_keys, "in service");
	parse_service_name(p, g, i);
	if (svc->name[0] != '\0')
		snprintf(what, sizeof(what), "service \"%s\"", svc->name);
	else
		snprintf(what, sizeof(what), "service %zu", i + 1);
	parse_listen(p, g, svc, what);
	parse_mode(p, g, svc);
	parse_balance(p, g, svc);
	svc->retries = DEF_RETRIES;
	parser_get_uint(p, g, "retries", 0, LBD_MAX_RETRIES, &svc->retries);
	parse_timeouts(p, g, &svc->timeouts);
	parse_health(p, g, &svc->health);
	parse_backends(p, g, svc, what);
}

/*
 * The shared region holds twice LBD_MAX_BACKENDS_ALL backends, so that a
 * reload to an entirely new set fits beside the one still draining.
 */
static void
check_backends_all(struct parser *p, const config_setting_t *l)
{
	size_t	total = 0;

	for (size_t i = 0; i < p->conf->nservices; i++)
		total += p->conf->services[i].nbackends;
	if (total > LBD_MAX_BACKENDS_ALL)
		parser_report(p, l, "too many backends in all services: %zu, "
		    "at most %d", total, LBD_MAX_BACKENDS_ALL);
}

static void
parse_services(struct parser *p, const config_setting_t *root)
{
	const config_setting_t	*l;
	int			 n;

	if ((l = config_setting_get_member(root, "services")) == NULL) {
		parser_report(p, root, "no service: add services = ( { name "
		    "= ...; } );");
		return;
	}
	if (!check_list(p, l, "services", "no service: \"services\" is empty"))
		return;
	if ((n = config_setting_length(l)) > LBD_MAX_SERVICES) {
		parser_report(p, l, "too many services: %d, at most %d", n,
		    LBD_MAX_SERVICES);
		n = LBD_MAX_SERVICES;
	}
	if ((p->conf->services = calloc(n, sizeof(*p->conf->services))) ==
	    NULL) {
		parser_report(p, l, "out of memory");
		return;
	}
	p->conf->nservices = n;
	for (int i = 0; i < n; i++)
		parse_service(p, config_setting_get_elem(l, i), i);
	check_backends_all(p, l);
}

/* Read by name a log level or facility into *out, if present. */
static void
parse_log_value(struct parser *p, const config_setting_t *g,
    const char *name, int (*lookup)(const char *), const char *valid,
    int *out)
{
	const config_setting_t	*s;
	const char		*v;
	int			 n;

	if ((s = parser_want(p, g, name, CONFIG_TYPE_STRING,
	    "a string")) == NULL)
		return;
	v = config_setting_get_string(s);
	if ((n = lookup(v)) == -1) {
		parser_report(p, s, "unknown log %s \"%s\": expected %s",
		    name, v, valid);
		return;
	}
	*out = n;
}

static void
parse_log(struct parser *p, const config_setting_t *root)
{
	struct log_config	*lc = &p->conf->log;
	const config_setting_t	*g;

	lc->level = LOG_INFO;
	lc->facility = LOG_DAEMON;
	lc->access = false;
	g = parser_want(p, root, "log", CONFIG_TYPE_GROUP,
	    "a group: { level = \"info\"; }");
	if (g == NULL)
		return;
	parser_check_keys(p, g, log_keys, "in log");
	parse_log_value(p, g, "level", log_level_parse,
	    "err|warning|notice|info|debug", &lc->level);
	parse_log_value(p, g, "facility", log_facility_parse,
	    "daemon|user|local0..local7", &lc->facility);
	parser_get_bool(p, g, "access", &lc->access);
}

/* Parsed after the services, so that a clash names the service. */
static void
parse_stats(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*g, *s;
	char			 neterr[NETERRLEN];

	g = parser_want(p, root, "stats", CONFIG_TYPE_GROUP,
	    "a group: { listen = \"host:port\"; }");
	if (g == NULL)
		return;
	parser_check_keys(p, g, stats_keys, "in stats");
	if ((s = config_setting_get_member(g, "listen")) == NULL) {
		parser_report(p, g, "stats has no \"listen\" address");
		return;
	}
	if (parser_copy_string(p, s, "listen", c->stats_text,
	    sizeof(c->stats_text)) == -1)
		return;
	if (net_addr_parse(c->stats_text, &c->stats_listen, neterr,
	    sizeof(neterr)) == -1) {
		parser_report(p, s, "%s", neterr);
		return;
	}
	if (!listen_clash(p, s, "stats listen", c->stats_text,
	    &c->stats_listen))
		c->has_stats = true;
}

/* One worker per online CPU, within 1..LBD_MAX_WORKERS. */
static unsigned
default_workers(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return (1);
	if (n > LBD_MAX_WORKERS)
		return (LBD_MAX_WORKERS);
	return ((unsigned)n);
}

/* user and group: whom the workers run as, resolved now. */
static void
parse_identity(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*s;
	struct passwd		*pw;
	struct group		*gr;

	if ((s = config_setting_get_member(root, "user")) != NULL &&
	    parser_copy_string(p, s, "user", c->user, sizeof(c->user)) == 0) {
		if ((pw = getpwnam(c->user)) == NULL)
			parser_report(p, s, "unknown user \"%s\"", c->user);
		else {
			c->uid = pw->pw_uid;
			c->gid = pw->pw_gid;
		}
	}
	if ((s = config_setting_get_member(root, "group")) == NULL ||
	    parser_copy_string(p, s, "group", c->group, sizeof(c->group)) != 0)
		return;
	if (c->user[0] == '\0')
		parser_report(p, s, "group needs a user");
	else if ((gr = getgrnam(c->group)) == NULL)
		parser_report(p, s, "unknown group \"%s\"", c->group);
	else
		c->gid = gr->gr_gid;
}

static void
parse_globals(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*s;

	c->workers = default_workers();
	c->maxconn = DEF_MAXCONN;
	c->shutdown_timeout_ms = DEF_SHUTDOWN_MS;
	memcpy(c->pidfile, DEF_PIDFILE, sizeof(DEF_PIDFILE));
	parser_get_uint(p, root, "workers", 1, LBD_MAX_WORKERS, &c->workers);
	parser_get_uint(p, root, "maxconn", 1, MAX_MAXCONN, &c->maxconn);
	if ((s = config_setting_get_member(root, "control")) != NULL &&
	    parser_copy_string(p, s, "control", c->control,
	    sizeof(c->control)) == 0 && strlen(c->control) >= CONTROL_PATHMAX)
		parser_report(p, s, "\"control\" path must be shorter than %d "
		    "bytes", CONTROL_PATHMAX);
	if ((s = config_setting_get_member(root, "pidfile")) != NULL)
		(void)parser_copy_string(p, s, "pidfile", c->pidfile,
		    sizeof(c->pidfile));
	parser_get_duration(p, root, "shutdown_timeout",
	    &c->shutdown_timeout_ms);
}

/* Read the file; a syntax or I/O error is reported and gives -1. */
static int
read_file(struct parser *p, config_t *cf)
{
	const char	*file;
	int		 saved;

	if (config_read_file(cf, p->path) == CONFIG_TRUE)
		return (0);
	saved = errno;
	/* libconfig keeps no errno of its own; fopen()'s is still there. */
	if (config_error_type(cf) == CONFIG_ERR_FILE_IO) {
		parser_report_at(p, p->path, 0, "cannot read the file: %s",
		    saved != 0 ? strerror(saved) : config_error_text(cf));
		return (-1);
	}
	file = config_error_file(cf);
	parser_report_at(p, file != NULL ? file : p->path,
	    (unsigned)config_error_line(cf), "%s", config_error_text(cf));
	return (-1);
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct parser		 p;
	config_t		 cf;
	const config_setting_t	*root;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (strlen(path) >= LBD_PATHLEN) {
		parser_report_at(&p, path, 0, "path too long: at most %d "
		    "characters", LBD_PATHLEN - 1);
		return (NULL);
	}
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL) {
		parser_report_at(&p, path, 0, "out of memory");
		return (NULL);
	}
	memcpy(p.conf->path, path, strlen(path) + 1);
	config_init(&cf);
	/* A cut integer would read as another value: stop at the first. */
	parser_check_int_widths(&p);
	if (p.nerrors == 0 && read_file(&p, &cf) == 0) {
		root = config_root_setting(&cf);
		parser_check_keys(&p, root, top_keys, "at top level");
		parse_globals(&p, root);
		parse_identity(&p, root);
		parse_log(&p, root);
		parse_services(&p, root);
		parse_stats(&p, root);
	}
	config_destroy(&cf);
	if (p.nerrors == 0)
		return (p.conf);
	config_free(p.conf);
	return (NULL);
}

void
config_free(struct config *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nservices; i++)
		free(conf->services[i].backends);
	free(conf->services);
	free(conf);
}

const struct service_config *
config_find_service(const struct config *conf, const char *name)
{
	for (size_t i = 0; i < conf->nservices; i++)
		if (strcmp(conf->services[i].name, name) == 0)
			return (&conf->services[i]);
	return (NULL);
}

int
config_backend_index(const struct service_config *sc, const char *name)
{
	for (size_t i = 0; i < sc->nbackends; i++)
		if (strcmp(sc->backends[i].name, name) == 0)
			return ((int)i);
	return (-1);
}

const char *
config_balance_name(enum balance_method b)
{
	if ((size_t)b >= NELEM(balance_names))
		return ("unknown");
	return (balance_names[b]);
}

const char *
config_health_name(enum health_type t)
{
	if ((size_t)t >= NELEM(health_names))
		return ("unknown");
	return (health_names[t]);
}

const char *
config_mode_name(enum service_mode m)
{
	if ((size_t)m >= NELEM(mode_names))
		return ("unknown");
	return (mode_names[m]);
}

const char *const *
config_keys(void)
{
	static const char *const *const tables[] = {
		top_keys, log_keys, stats_keys, service_keys, timeout_keys,
		health_keys, backend_keys
	};
	static const char	*keys[128];
	size_t			 n = 0, k;

	if (keys[0] != NULL)
		return (keys);
	for (size_t t = 0; t < NELEM(tables); t++)
		for (size_t i = 0; tables[t][i] != NULL; i++) {
			for (k = 0; k < n && strcmp(keys[k], tables[t][i]); k++)
				;
			if (k == n && n < NELEM(keys) - 1)
				keys[n++] = tables[t][i];
		}
	return (keys);
}
