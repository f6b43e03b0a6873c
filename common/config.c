/*
 * Configuration: a libconfig file becomes a plain struct config.  Every
 * rule is checked here and every mistake is reported, not just the first,
 * each as "FILE:LINE: message" in the caller's buffer (relayd's error
 * count), so an operator fixes a file in one pass.  Nothing is logged.
 *
 * Keys planned for later work (user, group, control, health, the other
 * balance methods, http mode) are rejected as "not supported yet" rather
 * than ignored: a silently ignored key would look like a working one.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libconfig.h>

#include "clock.h"
#include "config.h"
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

/* One load: where errors go and the config being filled. */
struct parser {
	const char	*path;		/* as given to config_load() */
	char		*err;
	size_t		 errlen;
	size_t		 used;		/* bytes of err written */
	int		 nerrors;	/* counted even when err is full */
	struct config	*conf;
};

static const char *const top_keys[] = {
	"workers", "maxconn", "pidfile", "shutdown_timeout", "log", "stats",
	"services", NULL
};
static const char *const top_later[] = { "user", "group", "control", NULL };
static const char *const log_keys[] = {
	"level", "facility", "access", NULL
};
static const char *const stats_keys[] = { "listen", NULL };
static const char *const service_keys[] = {
	"name", "listen", "mode", "balance", "retries", "timeouts",
	"backends", NULL
};
static const char *const service_later[] = { "health", NULL };
static const char *const timeout_keys[] = {
	"connect", "client", "server", "queue", NULL
};
static const char *const backend_keys[] = {
	"name", "address", "weight", "maxconn", "backup", NULL
};
static const char *const no_keys[] = { NULL };

/* Indexed by enum balance_method and enum service_mode. */
static const char *const balance_names[] = {
	"roundrobin", "leastconn", "leasttime", "random", "source"
};
static const char *const mode_names[] = { "tcp", "http" };

static void	add_error_at(struct parser *, const char *, unsigned,
		    const char *, ...) LOG_PRINTF(4, 5);
static void	add_error(struct parser *, const config_setting_t *,
		    const char *, ...) LOG_PRINTF(3, 4);

/* Move the write position on by n bytes, as far as the buffer allows. */
static void
advance(struct parser *p, int n)
{
	size_t	room = p->errlen - p->used;

	if (n < 0)
		return;
	p->used += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Count an error and append "FILE:LINE: message\n" to the buffer, or
 * "FILE: message\n" when line is 0.  A full buffer truncates the line and
 * keeps the NUL; later errors are still counted.
 */
static void
vadd_error(struct parser *p, const char *file, unsigned line,
    const char *fmt, va_list ap)
{
	p->nerrors++;
	if (p->errlen == 0 || p->used + 1 >= p->errlen)
		return;
	if (line > 0)
		advance(p, snprintf(p->err + p->used, p->errlen - p->used,
		    "%s:%u: ", file, line));
	else
		advance(p, snprintf(p->err + p->used, p->errlen - p->used,
		    "%s: ", file));
	advance(p, vsnprintf(p->err + p->used, p->errlen - p->used, fmt, ap));
	advance(p, snprintf(p->err + p->used, p->errlen - p->used, "\n"));
}

static void
add_error_at(struct parser *p, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vadd_error(p, file, line, fmt, ap);
	va_end(ap);
}

/*
 * Report an error at setting s.  The root has no line of its own, so its
 * errors (a missing top-level key) point at line 1.
 */
static void
add_error(struct parser *p, const config_setting_t *s, const char *fmt, ...)
{
	va_list		 ap;
	const char	*file = config_setting_source_file(s);
	unsigned	 line = config_setting_source_line(s);

	va_start(ap, fmt);
	vadd_error(p, file != NULL ? file : p->path, line > 0 ? line : 1,
	    fmt, ap);
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

/* Report each member of group g that is neither known nor planned. */
static void
check_keys(struct parser *p, const config_setting_t *g,
    const char *const *known, const char *const *later, const char *where)
{
	const config_setting_t	*s;
	const char		*name;

	for (int i = 0; i < config_setting_length(g); i++) {
		s = config_setting_get_elem(g, i);
		name = config_setting_name(s);
		if (in_list(later, name))
			add_error(p, s, "%s: not supported yet", name);
		else if (!in_list(known, name))
			add_error(p, s, "unknown key \"%s\" %s", name, where);
	}
}

/*
 * Member name of g when it is present and of the given type (an INT type
 * also takes INT64).  NULL when absent, or when of another type, which is
 * reported as "NAME" must be WHAT.
 */
static const config_setting_t *
want(struct parser *p, const config_setting_t *g, const char *name,
    int type, const char *what)
{
	const config_setting_t	*s;
	int			 t;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (NULL);
	t = config_setting_type(s);
	if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64))
		return (s);
	add_error(p, s, "\"%s\" must be %s", name, what);
	return (NULL);
}

/* Set *out from integer member name of g, within [min, max], if present. */
static void
get_uint(struct parser *p, const config_setting_t *g, const char *name,
    long long min, long long max, unsigned *out)
{
	const config_setting_t	*s;
	long long		 v;

	if ((s = want(p, g, name, CONFIG_TYPE_INT, "an integer")) == NULL)
		return;
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		add_error(p, s, "\"%s\" must be between %lld and %lld, "
		    "not %lld", name, min, max, v);
		return;
	}
	*out = (unsigned)v;
}

static void
get_bool(struct parser *p, const config_setting_t *g, const char *name,
    bool *out)
{
	const config_setting_t	*s;

	if ((s = want(p, g, name, CONFIG_TYPE_BOOL, "true or false")) != NULL)
		*out = config_setting_get_bool(s) != 0;
}

/*
 * Copy string setting s, called name in messages, into out[len].
 * Returns 0, or -1 on a wrong type or a string too long (reported).
 */
static int
copy_string(struct parser *p, const config_setting_t *s, const char *name,
    char *out, size_t len)
{
	const char	*v;
	size_t		 n;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		add_error(p, s, "\"%s\" must be a string", name);
		return (-1);
	}
	v = config_setting_get_string(s);
	if ((n = strlen(v)) >= len) {
		add_error(p, s, "\"%s\" is too long: at most %zu characters",
		    name, len - 1);
		return (-1);
	}
	memcpy(out, v, n + 1);
	return (0);
}

/*
 * Set *ms from duration member name of g: an integer is milliseconds, a
 * string takes a unit ("250ms", "2s", "1m", "1h").  Returns 1 when set, 0
 * when absent, -1 on an error (reported).
 */
static int
get_duration(struct parser *p, const config_setting_t *g, const char *name,
    uint64_t *ms)
{
	const config_setting_t	*s;
	long long		 v;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return (0);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if ((v = config_setting_get_int64(s)) < 0) {
			add_error(p, s, "\"%s\" must not be negative", name);
			return (-1);
		}
		*ms = (uint64_t)v;
		return (1);
	case CONFIG_TYPE_STRING:
		if (clock_parse_duration(config_setting_get_string(s), ms) == 0)
			return (1);
		break;
	default:
		add_error(p, s, "\"%s\" must be a duration: integer "
		    "milliseconds or a string such as \"2s\"", name);
		return (-1);
	}
	add_error(p, s, "\"%s\": bad duration \"%s\": expected a number "
	    "and a unit, ms, s, m or h, such as \"250ms\" or \"2s\"", name,
	    config_setting_get_string(s));
	return (-1);
}

/* Like get_duration(), but 0 is an error too: a timeout must wait. */
static int
get_timeout(struct parser *p, const config_setting_t *g, const char *name,
    uint64_t *ms)
{
	uint64_t	v;
	int		rc;

	if ((rc = get_duration(p, g, name, &v)) != 1)
		return (rc);
	if (v == 0) {
		add_error(p, config_setting_get_member(g, name),
		    "\"%s\" must be greater than 0", name);
		return (-1);
	}
	*ms = v;
	return (1);
}

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
		add_error(p, s, "\"name\" must not be empty");
		return (false);
	}
	for (const char *c = name; *c != '\0'; c++)
		if (!is_name_char(*c)) {
			add_error(p, s, "bad name \"%s\": use only letters, "
			    "digits, '_', '.' and '-'", name);
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
			add_error(p, s, "%s address \"%s\" clashes with "
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

	if (copy_string(p, s, "listen", text, LBD_ADDRLEN) == -1)
		return;
	if (net_addr_parse(text, &svc->listen[svc->nlisten], neterr,
	    sizeof(neterr)) == -1) {
		add_error(p, s, "%s", neterr);
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
		add_error(p, g, "%s has no \"listen\" address", what);
		return;
	}
	if (config_setting_type(l) == CONFIG_TYPE_STRING) {
		add_listen(p, l, svc);
		return;
	}
	if (!config_setting_is_array(l) && !config_setting_is_list(l)) {
		add_error(p, l, "\"listen\" must be a string or a list of "
		    "strings");
		return;
	}
	if ((n = config_setting_length(l)) == 0)
		add_error(p, l, "\"listen\" is empty: give at least one "
		    "address");
	else if (n > LBD_MAX_LISTEN)
		add_error(p, l, "too many listen addresses: %d, at most %d", n,
		    LBD_MAX_LISTEN);
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
	if ((s = want(p, g, "mode", CONFIG_TYPE_STRING, "a string")) == NULL)
		return;
	v = config_setting_get_string(s);
	if (strcmp(v, "http") == 0)
		add_error(p, s, "mode \"http\": not supported yet");
	else if (strcmp(v, "tcp") != 0)
		add_error(p, s, "unknown mode \"%s\": expected tcp or http", v);
}

static void
parse_balance(struct parser *p, const config_setting_t *g,
    struct service_config *svc)
{
	const config_setting_t	*s;
	const char		*v;

	svc->balance = BALANCE_ROUNDROBIN;
	if ((s = want(p, g, "balance", CONFIG_TYPE_STRING, "a string")) == NULL)
		return;
	v = config_setting_get_string(s);
	for (size_t i = 0; i < NELEM(balance_names); i++) {
		if (strcmp(v, balance_names[i]) != 0)
			continue;
		if (i == BALANCE_ROUNDROBIN)
			svc->balance = BALANCE_ROUNDROBIN;
		else
			add_error(p, s, "balance \"%s\": not supported yet", v);
		return;
	}
	add_error(p, s, "unknown balance method \"%s\": expected roundrobin|"
	    "leastconn|leasttime|random|source", v);
}

/* Timeouts default to connect 5s, client and server 60s, queue = connect. */
static void
parse_timeouts(struct parser *p, const config_setting_t *g,
    struct service_timeouts *t)
{
	const config_setting_t	*s;
	bool			 has_queue = false;

	t->connect_ms = DEF_CONNECT_MS;
	t->client_ms = DEF_IDLE_MS;
	t->server_ms = DEF_IDLE_MS;
	s = want(p, g, "timeouts", CONFIG_TYPE_GROUP,
	    "a group: { connect = \"5s\"; ... }");
	if (s != NULL) {
		check_keys(p, s, timeout_keys, no_keys, "in timeouts");
		get_timeout(p, s, "connect", &t->connect_ms);
		get_timeout(p, s, "client", &t->client_ms);
		get_timeout(p, s, "server", &t->server_ms);
		has_queue = get_timeout(p, s, "queue", &t->queue_ms) != 0;
	}
	if (!has_queue)
		t->queue_ms = t->connect_ms;
}

static void
parse_backend_address(struct parser *p, const config_setting_t *g,
    struct backend_config *be)
{
	const config_setting_t	*s;
	char			 neterr[NETERRLEN];

	if ((s = config_setting_get_member(g, "address")) == NULL) {
		add_error(p, g, "backend has no \"address\"");
		return;
	}
	if (copy_string(p, s, "address", be->address,
	    sizeof(be->address)) == -1)
		return;
	if (net_addr_parse(be->address, &be->addr, neterr,
	    sizeof(neterr)) == -1)
		add_error(p, s, "%s", neterr);
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
		if (copy_string(p, s, "name", be->name,
		    sizeof(be->name)) == -1 || !check_name(p, s, be->name))
			return;
	} else if (strlen(be->address) < sizeof(be->name)) {
		s = g;
		memcpy(be->name, be->address, strlen(be->address) + 1);
	} else {
		add_error(p, g, "address too long to name the backend: give "
		    "it a \"name\"");
		return;
	}
	for (size_t j = 0; j < k && be->name[0] != '\0'; j++)
		if (strcmp(svc->backends[j].name, be->name) == 0) {
			add_error(p, s, "duplicate backend name \"%s\" in "
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
		add_error(p, g, "backend %zu must be a group: { address = "
		    "\"host:port\"; }", k + 1);
		return;
	}
	check_keys(p, g, backend_keys, no_keys, "in backend");
	be->weight = 1;
	parse_backend_address(p, g, be);
	parse_backend_name(p, g, svc, k);
	get_uint(p, g, "weight", 0, LBD_MAX_WEIGHT, &be->weight);
	get_uint(p, g, "maxconn", 0, MAX_MAXCONN, &be->maxconn);
	get_bool(p, g, "backup", &be->backup);
}

/* Report list l (called name) when empty or not a list; true when usable. */
static bool
check_list(struct parser *p, const config_setting_t *l, const char *name,
    const char *empty)
{
	if (config_setting_is_aggregate(l) && !config_setting_is_group(l) &&
	    config_setting_length(l) == 0) {
		add_error(p, l, "%s", empty);
		return (false);
	}
	if (!config_setting_is_list(l)) {
		add_error(p, l, "\"%s\" must be a list of groups: ( { ... }, "
		    "... )", name);
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
		add_error(p, g, "%s has no backend: add backends = ( { "
		    "address = \"host:port\"; } );", what);
		return;
	}
	if (!check_list(p, l, "backends", "no backend: \"backends\" is empty"))
		return;
	if ((n = config_setting_length(l)) > LBD_MAX_BACKENDS) {
		add_error(p, l, "too many backends: %d, at most %d", n,
		    LBD_MAX_BACKENDS);
		n = LBD_MAX_BACKENDS;
	}
	if ((svc->backends = calloc(n, sizeof(*svc->backends))) == NULL) {
		add_error(p, l, "out of memory");
		return;
	}
	svc->nbackends = n;
	for (int i = 0; i < n; i++)
		parse_backend(p, config_setting_get_elem(l, i), svc, i);
	for (int i = 0; i < n; i++)
		if (svc->backends[i].weight > 0)
			return;
	add_error(p, l, "no backend can be chosen: every weight is 0");
}

/* The service name: required, well-formed and unique. */
static void
parse_service_name(struct parser *p, const config_setting_t *g, size_t i)
{
	struct service_config	*svc = &p->conf->services[i];
	const config_setting_t	*s;

	if ((s = config_setting_get_member(g, "name")) == NULL) {
		add_error(p, g, "service has no \"name\"");
		return;
	}
	if (copy_string(p, s, "name", svc->name, sizeof(svc->name)) == -1 ||
	    !check_name(p, s, svc->name)) {
		svc->name[0] = '\0';
		return;
	}
	for (size_t j = 0; j < i; j++)
		if (strcmp(p->conf->services[j].name, svc->name) == 0) {
			add_error(p, s, "duplicate service name \"%s\"",
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
		add_error(p, g, "service %zu must be a group: { name = ...; }",
		    i + 1);
		return;
	}
	check_keys(p, g, service_keys, service_later, "in service");
	parse_service_name(p, g, i);
	if (svc->name[0] != '\0')
		snprintf(what, sizeof(what), "service \"%s\"", svc->name);
	else
		snprintf(what, sizeof(what), "service %zu", i + 1);
	parse_listen(p, g, svc, what);
	parse_mode(p, g, svc);
	parse_balance(p, g, svc);
	svc->retries = DEF_RETRIES;
	get_uint(p, g, "retries", 0, LBD_MAX_RETRIES, &svc->retries);
	parse_timeouts(p, g, &svc->timeouts);
	parse_backends(p, g, svc, what);
}

static void
parse_services(struct parser *p, const config_setting_t *root)
{
	const config_setting_t	*l;
	int			 n;

	if ((l = config_setting_get_member(root, "services")) == NULL) {
		add_error(p, root, "no service: add services = ( { name = ...; "
		    "} );");
		return;
	}
	if (!check_list(p, l, "services", "no service: \"services\" is empty"))
		return;
	if ((n = config_setting_length(l)) > LBD_MAX_SERVICES) {
		add_error(p, l, "too many services: %d, at most %d", n,
		    LBD_MAX_SERVICES);
		n = LBD_MAX_SERVICES;
	}
	if ((p->conf->services = calloc(n, sizeof(*p->conf->services))) ==
	    NULL) {
		add_error(p, l, "out of memory");
		return;
	}
	p->conf->nservices = n;
	for (int i = 0; i < n; i++)
		parse_service(p, config_setting_get_elem(l, i), i);
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

	if ((s = want(p, g, name, CONFIG_TYPE_STRING, "a string")) == NULL)
		return;
	v = config_setting_get_string(s);
	if ((n = lookup(v)) == -1) {
		add_error(p, s, "unknown log %s \"%s\": expected %s", name, v,
		    valid);
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
	g = want(p, root, "log", CONFIG_TYPE_GROUP,
	    "a group: { level = \"info\"; }");
	if (g == NULL)
		return;
	check_keys(p, g, log_keys, no_keys, "in log");
	parse_log_value(p, g, "level", log_level_parse,
	    "err|warning|notice|info|debug", &lc->level);
	parse_log_value(p, g, "facility", log_facility_parse,
	    "daemon|user|local0..local7", &lc->facility);
	get_bool(p, g, "access", &lc->access);
}

/* Parsed after the services, so that a clash names the service. */
static void
parse_stats(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*g, *s;
	char			 neterr[NETERRLEN];

	g = want(p, root, "stats", CONFIG_TYPE_GROUP,
	    "a group: { listen = \"host:port\"; }");
	if (g == NULL)
		return;
	check_keys(p, g, stats_keys, no_keys, "in stats");
	if ((s = config_setting_get_member(g, "listen")) == NULL) {
		add_error(p, g, "stats has no \"listen\" address");
		return;
	}
	if (copy_string(p, s, "listen", c->stats_text,
	    sizeof(c->stats_text)) == -1)
		return;
	if (net_addr_parse(c->stats_text, &c->stats_listen, neterr,
	    sizeof(neterr)) == -1) {
		add_error(p, s, "%s", neterr);
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

static void
parse_globals(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*s;

	c->workers = default_workers();
	c->maxconn = DEF_MAXCONN;
	c->shutdown_timeout_ms = DEF_SHUTDOWN_MS;
	memcpy(c->pidfile, DEF_PIDFILE, sizeof(DEF_PIDFILE));
	get_uint(p, root, "workers", 1, LBD_MAX_WORKERS, &c->workers);
	get_uint(p, root, "maxconn", 1, MAX_MAXCONN, &c->maxconn);
	if ((s = config_setting_get_member(root, "pidfile")) != NULL)
		(void)copy_string(p, s, "pidfile", c->pidfile,
		    sizeof(c->pidfile));
	get_duration(p, root, "shutdown_timeout", &c->shutdown_timeout_ms);
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
		add_error_at(p, p->path, 0, "cannot read the file: %s",
		    saved != 0 ? strerror(saved) : config_error_text(cf));
		return (-1);
	}
	file = config_error_file(cf);
	add_error_at(p, file != NULL ? file : p->path,
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
		add_error_at(&p, path, 0, "path too long: at most %d "
		    "characters", LBD_PATHLEN - 1);
		return (NULL);
	}
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL) {
		add_error_at(&p, path, 0, "out of memory");
		return (NULL);
	}
	memcpy(p.conf->path, path, strlen(path) + 1);
	config_init(&cf);
	if (read_file(&p, &cf) == 0) {
		root = config_root_setting(&cf);
		check_keys(&p, root, top_keys, top_later, "at top level");
		parse_globals(&p, root);
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

const char *
config_balance_name(enum balance_method b)
{
	if ((size_t)b >= NELEM(balance_names))
		return ("unknown");
	return (balance_names[b]);
}

const char *
config_mode_name(enum service_mode m)
{
	if ((size_t)m >= NELEM(mode_names))
		return ("unknown");
	return (mode_names[m]);
}
