/*
 * Stats over HTTP.  Each request is read whole (up to STATS_REQMAX bytes),
 * answered, and the connection closed; nothing here blocks the master.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "shm.h"
#include "stats.h"

#define STATS_REQMAX	8192	/* request line and headers */
#define STATS_CLIENTS	64	/* open stats connections at once */

struct stats_client {
	struct stats	*st;
	int		 fd;
	unsigned	 index;		/* in st->clients[] */
	size_t		 reqlen;
	char		 req[STATS_REQMAX];
	char		*resp;
	size_t		 resplen;
	size_t		 sent;
};

struct stats {
	struct lbd		*env;
	int			 fd;		/* the listening socket */
	struct evloop		*loop;
	unsigned		 nclients;
	struct stats_client	*clients[STATS_CLIENTS];
};

/* One metric family: its HELP and TYPE lines. */
static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef unsigned long long (*backend_value_fn)(struct shm_backend *);

static unsigned long long
be_up(struct shm_backend *b)
{
	return (atomic_load(&b->state) == BACKEND_UP);
}

static unsigned long long
be_active(struct shm_backend *b)
{
	return (atomic_load(&b->active));
}

static unsigned long long
be_total(struct shm_backend *b)
{
	return (atomic_load(&b->total));
}

static unsigned long long
be_fails(struct shm_backend *b)
{
	return (atomic_load(&b->connect_failures));
}

static unsigned long long
be_bytes_in(struct shm_backend *b)
{
	return (atomic_load(&b->bytes_in));
}

static unsigned long long
be_bytes_out(struct shm_backend *b)
{
	return (atomic_load(&b->bytes_out));
}

static const struct {
	const char		*name;
	const char		*type;
	const char		*help;
	backend_value_fn	 value;
} backend_metrics[] = {
	{ "lbd_backend_up", "gauge", "1 when the backend may be chosen.",
	    be_up },
	{ "lbd_backend_active_connections", "gauge",
	    "Connections open to the backend now, all workers.", be_active },
	{ "lbd_backend_connections_total", "counter",
	    "Connections established to the backend.", be_total },
	{ "lbd_backend_connect_failures_total", "counter",
	    "Connect attempts to the backend that failed.", be_fails },
	{ "lbd_backend_bytes_in_total", "counter",
	    "Bytes relayed from clients to the backend.", be_bytes_in },
	{ "lbd_backend_bytes_out_total", "counter",
	    "Bytes relayed from the backend to clients.", be_bytes_out },
};

static void
render_backends(FILE *f, struct lbd *env)
{
	for (size_t m = 0; m < sizeof(backend_metrics) /
	    sizeof(backend_metrics[0]); m++) {
		family(f, backend_metrics[m].name, backend_metrics[m].type,
		    backend_metrics[m].help);
		for (size_t i = 0; i < env->conf->nservices; i++) {
			const struct service	*s = &env->services[i];

			for (size_t j = 0; j < s->conf->nbackends; j++)
				fprintf(f, "%s{service=\"%s\",backend=\"%s\"} "
				    "%llu\n", backend_metrics[m].name,
				    s->conf->name, s->conf->backends[j].name,
				    backend_metrics[m].value(shm_backend(
				    env->shm, s->be_slot[j])));
		}
	}
}

static void
render_response_times(FILE *f, struct lbd *env)
{
	family(f, "lbd_backend_response_time_seconds", "gauge",
	    "Moving average of connect time plus time to first byte.");
	for (size_t i = 0; i < env->conf->nservices; i++) {
		const struct service	*s = &env->services[i];

		for (size_t j = 0; j < s->conf->nbackends; j++)
			fprintf(f, "lbd_backend_response_time_seconds{"
			    "service=\"%s\",backend=\"%s\"} %.6f\n",
			    s->conf->name, s->conf->backends[j].name,
			    atomic_load(&shm_backend(env->shm,
			    s->be_slot[j])->rt_us) / 1e6);
	}
}

static void
render_services(FILE *f, struct lbd *env)
{
	static const char *const names[] = {
		"lbd_service_active_connections",
		"lbd_service_connections_total",
		"lbd_service_rejected_total"
	}, *const types[] = { "gauge", "counter", "counter" },
	*const helps[] = {
		"Client connections open now, all workers.",
		"Client connections accepted.",
		"Client connections closed for want of a backend."
	};

	for (size_t m = 0; m < 3; m++) {
		family(f, names[m], types[m], helps[m]);
		for (size_t i = 0; i < env->conf->nservices; i++) {
			struct shm_service	*ss;
			unsigned long long	 v;

			ss = shm_service(env->shm, env->services[i].slot);
			v = m == 0 ? atomic_load(&ss->active) : m == 1 ?
			    atomic_load(&ss->total) : atomic_load(&ss->rejected);
			fprintf(f, "%s{service=\"%s\"} %llu\n", names[m],
			    env->conf->services[i].name, v);
		}
	}
}

static void
render_process(FILE *f, struct lbd *env)
{
	struct shm_global	*g = shm_global(env->shm);

	family(f, "lbd_workers", "gauge", "Worker processes running.");
	fprintf(f, "lbd_workers %u\n", atomic_load(&g->workers));
	family(f, "lbd_worker_restarts_total", "counter",
	    "Workers respawned after dying.");
	fprintf(f, "lbd_worker_restarts_total %llu\n",
	    atomic_load(&g->restarts));
	family(f, "lbd_reloads_total", "counter",
	    "Configuration reloads that took effect.");
	fprintf(f, "lbd_reloads_total %llu\n", atomic_load(&g->reloads));
}

char *
stats_render_metrics(struct lbd *env, size_t *len)
{
	FILE	*f;
	char	*out = NULL;

	if ((f = open_memstream(&out, len)) == NULL)
		return (NULL);
	render_backends(f, env);
	render_response_times(f, env);
	render_services(f, env);
	render_process(f, env);
	if (fclose(f) == EOF) {
		free(out);
		return (NULL);
	}
	return (out);
}

static void
client_free(struct stats_client *c)
{
	evloop_del(c->st->loop, c->fd, EV_READ | EV_WRITE);
	close(c->fd);
	/* Keep clients[] dense: the last one takes the freed place. */
	c->st->clients[c->index] = c->st->clients[--c->st->nclients];
	c->st->clients[c->index]->index = c->index;
	free(c->resp);
	free(c);
}

/* Build the whole response: status line, headers and body. */
static int
respond(struct stats_client *c, int code, const char *reason,
    const char *type, const char *body, size_t bodylen)
{
	FILE	*f;

	if ((f = open_memstream(&c->resp, &c->resplen)) == NULL)
		return (-1);
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason,
	    type, bodylen);
	fwrite(body, 1, bodylen, f);
	return (fclose(f) == EOF ? -1 : 0);
}

static int
answer(struct stats_client *c)
{
	char	method[16], path[256], *body;
	size_t	len;
	int	rc;

	if (sscanf(c->req, "%15s %255s HTTP/1.", method, path) != 2)
		return (respond(c, 400, "Bad Request", "text/plain",
		    "bad request\n", 12));
	if (strcmp(method, "GET") != 0 || strcmp(path, "/metrics") != 0)
		return (respond(c, 404, "Not Found", "text/plain",
		    "not found\n", 10));
	if ((body = stats_render_metrics(c->st->env, &len)) == NULL)
		return (-1);
	rc = respond(c, 200, "OK", "text/plain; version=0.0.4", body, len);
	free(body);
	return (rc);
}

static void
on_client_write(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats_client	*c = arg;
	ssize_t			 n;

	(void)loop;
	(void)events;
	n = send(fd, c->resp + c->sent, c->resplen - c->sent, MSG_NOSIGNAL);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n == -1 || (c->sent += n) == c->resplen)
		client_free(c);
}

static void
on_client_read(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats_client	*c = arg;
	ssize_t			 n;

	(void)events;
	n = read(fd, c->req + c->reqlen, sizeof(c->req) - 1 - c->reqlen);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	c->reqlen += n;
	c->req[c->reqlen] = '\0';
	if (strstr(c->req, "\r\n\r\n") == NULL &&
	    strstr(c->req, "\n\n") == NULL) {
		if (c->reqlen < sizeof(c->req) - 1)
			return;
		if (respond(c, 431, "Request Header Fields Too Large",
		    "text/plain", "request too large\n", 18) == -1)
			goto fail;
	} else if (answer(c) == -1)
		goto fail;
	evloop_del(loop, fd, EV_READ);
	if (evloop_add(loop, fd, EV_WRITE, on_client_write, c) == 0)
		return;
fail:
	client_free(c);
}

static void
on_accept(struct evloop *loop, int fd, int events, void *arg)
{
	struct stats		*st = arg;
	struct stats_client	*c;
	int			 cfd;

	(void)events;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	if (st->nclients >= STATS_CLIENTS ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(cfd);
		return;
	}
	c->st = st;
	c->fd = cfd;
	c->index = st->nclients;
	st->clients[st->nclients++] = c;
	if (evloop_add(loop, cfd, EV_READ, on_client_read, c) == -1)
		client_free(c);
}

struct stats *
stats_new(struct lbd *env, struct evloop *loop)
{
	struct stats	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	st->env = env;
	st->loop = loop;
	st->fd = env->stats_fd;
	if (evloop_add(loop, st->fd, EV_READ, on_accept, st) == -1) {
		free(st);
		return (NULL);
	}
	return (st);
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	evloop_del(st->loop, st->fd, EV_READ);
	while (st->nclients > 0)
		client_free(st->clients[0]);
	free(st);
}
