/*
 * Flattening a struct config: the struct itself, then nservices service
 * structs, then every service's backends, after a small header.  The
 * config's own pointers (services, backends) are meaningless in the copy
 * and rebuilt on the way in.  Whatever comes in is checked as if it came
 * from a stranger: counts within the limits, sizes exact, strings ended.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_pack.h"

#define PACK_MAGIC	0x6c626463u	/* "lbdc" */

struct pack_head {
	uint32_t	magic;
	uint32_t	version;	/* sizeof(struct config): a layout tag */
	uint64_t	nservices;
	uint64_t	nbackends;	/* all services together */
};

static size_t
pack_size(size_t nservices, size_t nbackends)
{
	return (sizeof(struct pack_head) + sizeof(struct config) +
	    nservices * sizeof(struct service_config) +
	    nbackends * sizeof(struct backend_config));
}

size_t
config_pack_max(void)
{
	return (pack_size(LBD_MAX_SERVICES, LBD_MAX_BACKENDS_ALL));
}

void *
config_pack(const struct config *conf, size_t *len)
{
	struct pack_head	 h = { PACK_MAGIC, sizeof(struct config),
				    conf->nservices, 0 };
	char			*buf, *at;

	for (size_t i = 0; i < conf->nservices; i++)
		h.nbackends += conf->services[i].nbackends;
	*len = pack_size(h.nservices, h.nbackends);
	if ((buf = malloc(*len)) == NULL)
		return (NULL);
	at = buf;
	memcpy(at, &h, sizeof(h));
	at += sizeof(h);
	memcpy(at, conf, sizeof(*conf));
	at += sizeof(*conf);
	/* An empty array may be NULL, which memcpy(3) must never see. */
	if (h.nservices > 0)
		memcpy(at, conf->services, h.nservices *
		    sizeof(*conf->services));
	at += h.nservices * sizeof(*conf->services);
	for (size_t i = 0; i < conf->nservices; i++) {
		const struct service_config *sc = &conf->services[i];

		if (sc->nbackends == 0)
			continue;
		memcpy(at, sc->backends, sc->nbackends * sizeof(*sc->backends));
		at += sc->nbackends * sizeof(*sc->backends);
	}
	return (buf);
}

/* True when the array s of size n holds its terminating NUL. */
static bool
ended(const char *s, size_t n)
{
	return (memchr(s, '\0', n) != NULL);
}

static bool
addr_ok(const struct net_addr *a)
{
	return (a->len <= sizeof(a->ss));
}

#define ENDED(field)	ended((field), sizeof(field))

static bool
config_ok(const struct config *c)
{
	return (ENDED(c->path) && ENDED(c->pidfile) && ENDED(c->control) &&
	    ENDED(c->user) && ENDED(c->group) && ENDED(c->stats_text) &&
	    ENDED(c->log.target) && ENDED(c->log.access_target) &&
	    addr_ok(&c->stats_listen) && c->nservices <= LBD_MAX_SERVICES);
}

static bool
service_ok(const struct service_config *sc)
{
	if (!ENDED(sc->name) || !ENDED(sc->health.path) ||
	    sc->nlisten > LBD_MAX_LISTEN || sc->nbackends > LBD_MAX_BACKENDS)
		return (false);
	for (size_t i = 0; i < sc->nlisten; i++)
		if (!addr_ok(&sc->listen[i]) || !ENDED(sc->listen_text[i]))
			return (false);
	return (true);
}

static bool
backend_ok(const struct backend_config *b)
{
	return (ENDED(b->name) && ENDED(b->address) && addr_ok(&b->addr));
}

/* Point each service at its backends, which follow in buf; 0 or -1. */
static int
unpack_backends(struct config *c, const char *at, const char *end)
{
	for (size_t i = 0; i < c->nservices; i++) {
		struct service_config	*sc = &c->services[i];
		size_t			 n = sc->nbackends;

		if (!service_ok(sc) ||
		    (size_t)(end - at) < n * sizeof(*sc->backends))
			return (-1);
		if (n == 0)
			continue;
		if ((sc->backends = calloc(n, sizeof(*sc->backends))) == NULL)
			return (-1);
		memcpy(sc->backends, at, n * sizeof(*sc->backends));
		at += n * sizeof(*sc->backends);
		for (size_t j = 0; j < n; j++)
			if (!backend_ok(&sc->backends[j]))
				return (-1);
	}
	return (at == end ? 0 : -1);
}

struct config *
config_unpack(const void *buf, size_t len, char *err, size_t errlen)
{
	const char		*at = buf, *end = at + len;
	struct pack_head	 h;
	struct config		*c = NULL;

	if (len < sizeof(h))
		goto bad;
	memcpy(&h, at, sizeof(h));
	if (h.magic != PACK_MAGIC || h.version != sizeof(struct config) ||
	    h.nservices > LBD_MAX_SERVICES ||
	    h.nbackends > LBD_MAX_BACKENDS_ALL ||
	    len != pack_size(h.nservices, h.nbackends))
		goto bad;
	at += sizeof(h);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto bad;
	memcpy(c, at, sizeof(*c));
	at += sizeof(*c);
	c->services = NULL;
	if (!config_ok(c) || c->nservices != h.nservices)
		goto bad;
	if ((c->services = calloc(c->nservices + 1, sizeof(*c->services))) ==
	    NULL)
		goto bad;
	memcpy(c->services, at, c->nservices * sizeof(*c->services));
	at += c->nservices * sizeof(*c->services);
	/* The sender's pointers: none may survive into config_free(). */
	for (size_t i = 0; i < c->nservices; i++)
		c->services[i].backends = NULL;
	if (unpack_backends(c, at, end) == -1)
		goto bad;
	return (c);
bad:
	/* Backends not rebuilt yet are NULL: config_free() may run. */
	snprintf(err, errlen, "malformed configuration from the parser");
	config_free(c);
	return (NULL);
}
