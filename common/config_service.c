/*
 * The services list: each service's name, listen addresses, mode,
 * balance method, retries, timeouts and backends (its health group is
 * config_health.c's).  One of the parts of config_load(); errors are
 * reported through config_parser.c.
 *
 * HTTP mode's own settings are config_http.c's.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_health.h"
#include "config_http.h"
#include "config_parser.h"
#include "config_service.h"
#include "net.h"

#define DEF_RETRIES	2
#define DEF_CONNECT_MS	(5 * 1000)
#define DEF_IDLE_MS	(60 * 1000)	/* client and server timeouts */

const char *const config_service_keys[] = {
	"name", "listen", "mode", "balance", "retries", "timeouts",
	"health", "backends", "http", NULL
};
const char *const config_timeout_keys[] = {
	"connect", "client", "server", "queue", "http_request",
	"http_keepalive", "backend_keepalive", "tunnel", NULL
};
const char *const config_backend_keys[] = {
	"name", "address", "weight", "maxconn", "backup", NULL
};

/* Indexed by enum balance_method and enum service_mode. */
static const char *const balance_names[] = {
	"roundrobin", "leastconn", "leasttime", "random", "source"
};
static const char *const mode_names[] = { "tcp", "http" };

/*
 * A name's characters: letters, digits, '_', '.', '-', and those of
 * extra.  A name taken from an address may hold ':', '[' and ']' too:
 * none of them needs quoting in a log line or a metric label either.
 */
#define ADDRESS_NAME_CHARS	":[]"

static bool
is_name_char(char c, const char *extra)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	    (c != '\0' && strchr(extra, c) != NULL));
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
		if (!is_name_char(*c, "")) {
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
bool
config_listen_clash(struct parser *p, const config_setting_t *s,
    const char *what, const char *text, const struct net_addr *addr)
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
	if (!config_listen_clash(p, s, "listen", text,
	    &svc->listen[svc->nlisten]))
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
		svc->mode = MODE_HTTP;
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
		parser_check_keys(p, s, config_timeout_keys, "in timeouts");
		parser_get_timeout(p, s, "connect", &t->connect_ms);
		parser_get_timeout(p, s, "client", &t->client_ms);
		parser_get_timeout(p, s, "server", &t->server_ms);
		has_queue = parser_get_timeout(p, s, "queue",
		    &t->queue_ms) != 0;
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
 * Name backend be of group g after its address as written, which must
 * fit and follow the name rule like a given name (it goes into the same
 * log lines and labels).  An address that does not is not echoed: the
 * error could carry its bytes into a log.  Returns false (reported).
 */
static bool
derive_name(struct parser *p, const config_setting_t *g,
    struct backend_config *be)
{
	if (be->address[0] == '\0')	/* no address: already reported */
		return (false);
	if (strlen(be->address) >= sizeof(be->name)) {
		parser_report(p, g, "address too long to name the backend: "
		    "give it a \"name\"");
		return (false);
	}
	for (const char *c = be->address; *c != '\0'; c++)
		if (!is_name_char(*c, ADDRESS_NAME_CHARS)) {
			parser_report(p, g, "address cannot name the backend: "
			    "it holds characters a name may not; give it a "
			    "\"name\"");
			return (false);
		}
	memcpy(be->name, be->address, strlen(be->address) + 1);
	return (true);
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
	} else if (!derive_name(p, g, be))
		return;
	else
		s = g;
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
	parser_check_keys(p, g, config_backend_keys, "in backend");
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
	parser_check_keys(p, g, config_service_keys, "in service");
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
	config_http_parse(p, g, svc);
	config_health_parse(p, g, &svc->health);
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

void
config_services_parse(struct parser *p, const config_setting_t *root)
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
config_mode_name(enum service_mode m)
{
	if ((size_t)m >= NELEM(mode_names))
		return ("unknown");
	return (mode_names[m]);
}
