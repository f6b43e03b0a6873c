/*
 * HTTP mode's settings: the "http" group of a service (forwardfor,
 * forwarded, via, max_header_size, max_headers, max_body_size, pool) and
 * the four HTTP timeouts of its "timeouts" group.  One of the parts of
 * config_load(); errors are reported through config_parser.c.
 *
 * The timeouts are accepted in any mode (http_request also bounds the
 * PROXY protocol header in tcp mode); the http group is an error outside
 * mode = "http", where it would silently do nothing.
 */
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_http.h"
#include "config_parser.h"

#define DEF_REQUEST_MS		(10 * 1000)
#define DEF_KEEPALIVE_MS	(30 * 1000)
#define DEF_BACKEND_KA_MS	(4 * 1000)
#define DEF_TUNNEL_MS		(60 * 60 * 1000)
#define DEF_HEADER_SIZE		16384
#define MIN_HEADER_SIZE		8192
#define MAX_HEADER_SIZE		1048576
#define DEF_HEADERS		100
#define MAX_HEADERS		1000
#define DEF_POOL		32
#define MAX_POOL		10000

const char *const config_http_keys[] = {
	"forwardfor", "forwarded", "via", "max_header_size", "max_headers",
	"max_body_size", "pool", NULL
};

static void
http_init(struct http_config *h)
{
	memset(h, 0, sizeof(*h));
	h->forwardfor = true;
	h->max_header_size = DEF_HEADER_SIZE;
	h->max_headers = DEF_HEADERS;
	h->max_body_size = 0;
	h->pool = DEF_POOL;
}

/* max_body_size: bytes, 0 (no limit) or more; past 2^31 needs the L. */
static void
parse_body_size(struct parser *p, const config_setting_t *g, uint64_t *out)
{
	const config_setting_t	*s;
	long long		 v;

	if ((s = parser_want(p, g, "max_body_size", CONFIG_TYPE_INT,
	    "an integer")) == NULL)
		return;
	if ((v = config_setting_get_int64(s)) < 0) {
		parser_report(p, s, "\"max_body_size\" must be 0 (no limit) "
		    "or more, not %lld", v);
		return;
	}
	*out = (uint64_t)v;
}

/* The HTTP timeouts, each a duration above 0, in the timeouts group. */
static void
parse_http_timeouts(struct parser *p, const config_setting_t *g,
    struct service_timeouts *t)
{
	const config_setting_t	*s;

	t->http_request_ms = DEF_REQUEST_MS;
	t->http_keepalive_ms = DEF_KEEPALIVE_MS;
	t->backend_keepalive_ms = DEF_BACKEND_KA_MS;
	t->tunnel_ms = DEF_TUNNEL_MS;
	if ((s = config_setting_get_member(g, "timeouts")) == NULL ||
	    !config_setting_is_group(s))
		return;		/* config_service.c reports the type */
	parser_get_timeout(p, s, "http_request", &t->http_request_ms);
	parser_get_timeout(p, s, "http_keepalive", &t->http_keepalive_ms);
	parser_get_timeout(p, s, "backend_keepalive",
	    &t->backend_keepalive_ms);
	parser_get_timeout(p, s, "tunnel", &t->tunnel_ms);
}

void
config_http_parse(struct parser *p, const config_setting_t *g,
    struct service_config *svc)
{
	struct http_config	*h = &svc->http;
	const config_setting_t	*s;

	http_init(h);
	parse_http_timeouts(p, g, &svc->timeouts);
	if (config_setting_get_member(g, "http") == NULL)
		return;
	if ((s = parser_want(p, g, "http", CONFIG_TYPE_GROUP,
	    "a group: { forwardfor = true; ... }")) == NULL)
		return;
	if (svc->mode != MODE_HTTP) {
		parser_report(p, s, "\"http\" is only for mode = \"http\"");
		return;
	}
	parser_check_keys(p, s, config_http_keys, "in http");
	parser_get_bool(p, s, "forwardfor", &h->forwardfor);
	parser_get_bool(p, s, "forwarded", &h->forwarded);
	parser_get_bool(p, s, "via", &h->via);
	parser_get_uint(p, s, "max_header_size", MIN_HEADER_SIZE,
	    MAX_HEADER_SIZE, &h->max_header_size);
	parser_get_uint(p, s, "max_headers", 1, MAX_HEADERS, &h->max_headers);
	parse_body_size(p, s, &h->max_body_size);
	parser_get_uint(p, s, "pool", 0, MAX_POOL, &h->pool);
}
