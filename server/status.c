/*
 * Snapshots and their renderings.
 *
 * They run in the master, so they take what the master set (weights,
 * disabled flags, which workers run) from its own memory and from the
 * shared region only counts and states, which are printed or compared,
 * never used to size, index or loop: a worker that wrote them can only
 * make the numbers wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "httpstat.h"
#include "lbd.h"
#include "runtime.h"
#include "shm.h"
#include "status.h"

static const char *
backend_state(struct lbd *env, const struct service *s, unsigned j)
{
	struct shm_backend	*sb = backend_shm(env, s, j);

	if (runtime_is_disabled(env, s, j))
		return ("disabled");
	if (shm_backend_state(sb) != BACKEND_UP)
		return ("down");
	if (clock_ms() < shm_backend_paused_until(sb))
		return ("paused");	/* by connect failures */
	return ("up");
}

/* A backend's HTTP counters, when its service is in http mode. */
static void
take_http_backend(struct status_http_backend *h, const struct service *s,
    struct shm_backend *sb)
{
	if (!(h->on = s->conf->mode == MODE_HTTP))
		return;
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++)
		h->responses[c] = shm_backend_http_responses(sb, c);
	h->reuses = shm_backend_http_reuses(sb);
	h->idle = shm_backend_http_idle(sb);
}

/* A service's HTTP counters and histogram, when it is in http mode. */
static void
take_http_service(struct status_http_service *h, const struct service *s,
    struct shm_service *sh)
{
	if (!(h->on = s->conf->mode == MODE_HTTP))
		return;
	h->requests = shm_service_http_requests(sh);
	h->retries = shm_service_http_retries(sh);
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++)
		h->responses[c] = shm_service_http_responses(sh, c);
	for (unsigned i = 0; i < LBD_SHM_HTTP_BUCKETS; i++)
		h->buckets[i] = shm_service_http_bucket(sh, i);
	h->duration_us = shm_service_http_duration_us(sh);
}

static void
take_backend(struct status_backend *b, struct lbd *env,
    const struct service *s, unsigned j)
{
	const struct backend_config	*bc = &s->conf->backends[j];
	struct shm_backend		*sb = backend_shm(env, s, j);

	snprintf(b->name, sizeof(b->name), "%s", bc->name);
	snprintf(b->address, sizeof(b->address), "%s", bc->address);
	b->state = backend_state(env, s, j);
	b->up = strcmp(b->state, "up") == 0;
	b->backup = bc->backup;
	b->weight = runtime_weight(env, s, j);
	b->active = shm_backend_active(sb);
	b->total = shm_backend_total(sb);
	b->connect_failures = shm_backend_connect_failures(sb);
	b->bytes_in = shm_backend_bytes_in(sb);
	b->bytes_out = shm_backend_bytes_out(sb);
	b->rt_seconds = shm_backend_rt(sb) / 1e6;
	take_http_backend(&b->http, s, sb);
}

static int
take_service(struct status_service *ss, struct lbd *env,
    const struct service *s)
{
	struct shm_service	*sh = shm_service(env->shm, s->slot);

	snprintf(ss->name, sizeof(ss->name), "%s", s->conf->name);
	ss->mode = config_mode_name(s->conf->mode);
	ss->balance = config_balance_name(s->conf->balance);
	ss->active = shm_service_active(sh);
	ss->total = shm_service_total(sh);
	ss->rejected = shm_service_rejected(sh);
	take_http_service(&ss->http, s, sh);
	ss->nbackends = s->conf->nbackends;
	if ((ss->backends = calloc(ss->nbackends,
	    sizeof(*ss->backends))) == NULL)
		return (-1);
	for (size_t j = 0; j < ss->nbackends; j++)
		take_backend(&ss->backends[j], env, s, j);
	return (0);
}

/* Every running worker, old generations included, in slot order. */
static int
take_workers(struct status *st, struct lbd *env)
{
	struct shm_worker_view	v;

	if ((st->procs = calloc(LBD_SHM_WORKERS, sizeof(*st->procs))) == NULL)
		return (-1);
	for (unsigned i = 0; i < LBD_SHM_WORKERS; i++)
		if (shm_worker_read(env->shm, i, &v)) {
			st->procs[st->nprocs].id = v.id;
			st->procs[st->nprocs].generation = v.generation;
			st->procs[st->nprocs].accepted = v.accepted;
			st->procs[st->nprocs++].active = v.conns;
		}
	return (0);
}

struct status *
status_take(struct lbd *env)
{
	struct shm_global	*g = shm_global(env->shm);
	struct status		*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	st->generation = env->generation;
	st->workers = shm_global_workers(g);
	st->restarts = shm_global_restarts(g);
	st->reloads = shm_global_reloads(g);
	st->nservices = env->conf->nservices;
	if (take_workers(st, env) == -1)
		goto fail;
	if ((st->services = calloc(st->nservices,
	    sizeof(*st->services))) == NULL)
		goto fail;
	for (size_t i = 0; i < st->nservices; i++)
		if (take_service(&st->services[i], env, &env->services[i]) ==
		    -1)
			goto fail;
	return (st);
fail:
	status_free(st);
	return (NULL);
}

void
status_free(struct status *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; st->services != NULL && i < st->nservices; i++)
		free(st->services[i].backends);
	free(st->services);
	free(st->procs);
	free(st);
}

/* Label values are escaped as the exposition format says. */
static void
label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum backend_metric {
	BM_UP = 0,
	BM_ACTIVE,
	BM_TOTAL,
	BM_FAILS,
	BM_BYTES_IN,
	BM_BYTES_OUT,
	BM_RT,
	BM_COUNT
};

static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} backend_metrics[BM_COUNT] = {
	{ "lbd_backend_up", "gauge", "1 when the backend may be chosen." },
	{ "lbd_backend_active_connections", "gauge",
	    "Connections open to the backend now, all workers." },
	{ "lbd_backend_connections_total", "counter",
	    "Connections established to the backend." },
	{ "lbd_backend_connect_failures_total", "counter",
	    "Connect attempts to the backend that failed." },
	{ "lbd_backend_bytes_in_total", "counter",
	    "Bytes relayed from clients to the backend." },
	{ "lbd_backend_bytes_out_total", "counter",
	    "Bytes relayed from the backend to clients." },
	{ "lbd_backend_response_time_seconds", "gauge",
	    "Moving average of connect time plus time to the first byte." },
};

static void
backend_value(FILE *f, const struct status_backend *b, enum backend_metric m)
{
	switch (m) {
	case BM_UP:
		fprintf(f, "%d\n", b->up);
		break;
	case BM_ACTIVE:
		fprintf(f, "%u\n", b->active);
		break;
	case BM_TOTAL:
		fprintf(f, "%llu\n", b->total);
		break;
	case BM_FAILS:
		fprintf(f, "%llu\n", b->connect_failures);
		break;
	case BM_BYTES_IN:
		fprintf(f, "%llu\n", b->bytes_in);
		break;
	case BM_BYTES_OUT:
		fprintf(f, "%llu\n", b->bytes_out);
		break;
	default:
		fprintf(f, "%.6f\n", b->rt_seconds);
		break;
	}
}

static void
metrics_backends(const struct status *st, FILE *f)
{
	for (int m = 0; m < BM_COUNT; m++) {
		family(f, backend_metrics[m].name, backend_metrics[m].type,
		    backend_metrics[m].help);
		for (size_t i = 0; i < st->nservices; i++)
			for (size_t j = 0; j < st->services[i].nbackends;
			    j++) {
				fprintf(f, "%s{service=\"",
				    backend_metrics[m].name);
				label(f, st->services[i].name);
				fputs("\",backend=\"", f);
				label(f, st->services[i].backends[j].name);
				fputs("\"} ", f);
				backend_value(f, &st->services[i].backends[j],
				    m);
			}
	}
}

static void
metrics_services(const struct status *st, FILE *f)
{
	static const char *const name[] = {
		"lbd_service_active_connections",
		"lbd_service_connections_total", "lbd_service_rejected_total"
	}, *const type[] = { "gauge", "counter", "counter" },
	*const help[] = {
		"Client connections open now, all workers.",
		"Client connections accepted.",
		"Client connections closed for want of a backend."
	};

	for (int m = 0; m < 3; m++) {
		family(f, name[m], type[m], help[m]);
		for (size_t i = 0; i < st->nservices; i++) {
			const struct status_service *s = &st->services[i];

			fprintf(f, "%s{service=\"", name[m]);
			label(f, s->name);
			fprintf(f, "\"} %llu\n", m == 0 ?
			    (unsigned long long)s->active : m == 1 ? s->total :
			    s->rejected);
		}
	}
}

static void
metrics_workers(const struct status *st, FILE *f)
{
	family(f, "lbd_worker_connections_total", "counter",
	    "Connections a worker accepted since it started.");
	for (size_t i = 0; i < st->nprocs; i++)
		fprintf(f, "lbd_worker_connections_total{worker=\"%u\","
		    "generation=\"%u\"} %llu\n", st->procs[i].id,
		    st->procs[i].generation, st->procs[i].accepted);
	family(f, "lbd_worker_active_connections", "gauge",
	    "Client connections a worker holds now.");
	for (size_t i = 0; i < st->nprocs; i++)
		fprintf(f, "lbd_worker_active_connections{worker=\"%u\","
		    "generation=\"%u\"} %u\n", st->procs[i].id,
		    st->procs[i].generation, st->procs[i].active);
}

/*
 * HTTP mode's families, for the http-mode services only; none at all
 * when no service is in http mode.
 */
static bool
has_http(const struct status *st)
{
	for (size_t i = 0; i < st->nservices; i++)
		if (st->services[i].http.on)
			return (true);
	return (false);
}

/* name{service="S"[,backend="B"] and the opening of the next label. */
static void
http_series(FILE *f, const char *name, const struct status_service *s,
    const struct status_backend *b)
{
	fprintf(f, "%s{service=\"", name);
	label(f, s->name);
	if (b != NULL) {
		fputs("\",backend=\"", f);
		label(f, b->name);
	}
	fputc('"', f);
}

static void
http_classes(FILE *f, const char *name, const struct status_service *s,
    const struct status_backend *b, const unsigned long long *counts)
{
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++) {
		http_series(f, name, s, b);
		fprintf(f, ",code=\"%uxx\"} %llu\n", c + 1, counts[c]);
	}
}

/* The buckets are kept each alone; Prometheus wants them cumulative. */
static void
http_histogram(FILE *f, const struct status_service *s)
{
	const struct status_http_service	*h = &s->http;
	unsigned long long			 sum = 0;

	for (unsigned i = 0; i < LBD_SHM_HTTP_BUCKETS; i++) {
		sum += h->buckets[i];
		http_series(f, "lbd_http_request_duration_seconds_bucket", s,
		    NULL);
		fprintf(f, ",le=\"%s\"} %llu\n", httpstat_bucket_le(i), sum);
	}
	http_series(f, "lbd_http_request_duration_seconds_sum", s, NULL);
	fprintf(f, "} %.6f\n", h->duration_us / 1e6);
	http_series(f, "lbd_http_request_duration_seconds_count", s, NULL);
	fprintf(f, "} %llu\n", sum);
}

static void
metrics_http_services(const struct status *st, FILE *f)
{
	family(f, "lbd_http_requests_total", "counter",
	    "HTTP requests received, rejected ones included.");
	for (size_t i = 0; i < st->nservices; i++)
		if (st->services[i].http.on) {
			http_series(f, "lbd_http_requests_total",
			    &st->services[i], NULL);
			fprintf(f, "} %llu\n", st->services[i].http.requests);
		}
	family(f, "lbd_http_responses_total", "counter",
	    "Final HTTP responses sent to clients, by class.");
	for (size_t i = 0; i < st->nservices; i++)
		if (st->services[i].http.on)
			http_classes(f, "lbd_http_responses_total",
			    &st->services[i], NULL,
			    st->services[i].http.responses);
	family(f, "lbd_http_request_duration_seconds", "histogram",
	    "First byte of a request to the last byte of its response.");
	for (size_t i = 0; i < st->nservices; i++)
		if (st->services[i].http.on)
			http_histogram(f, &st->services[i]);
	family(f, "lbd_http_retries_total", "counter",
	    "HTTP requests sent again after a reused connection closed.");
	for (size_t i = 0; i < st->nservices; i++)
		if (st->services[i].http.on) {
			http_series(f, "lbd_http_retries_total",
			    &st->services[i], NULL);
			fprintf(f, "} %llu\n", st->services[i].http.retries);
		}
}

enum http_backend_metric {
	HB_RESPONSES = 0,
	HB_REUSES,
	HB_IDLE,
	HB_COUNT
};

static void
http_backend_value(FILE *f, const struct status_service *s,
    const struct status_backend *b, enum http_backend_metric m)
{
	switch (m) {
	case HB_RESPONSES:
		http_classes(f, "lbd_backend_http_responses_total", s, b,
		    b->http.responses);
		break;
	case HB_REUSES:
		http_series(f, "lbd_backend_connection_reuses_total", s, b);
		fprintf(f, "} %llu\n", b->http.reuses);
		break;
	default:
		http_series(f, "lbd_backend_idle_connections", s, b);
		fprintf(f, "} %u\n", b->http.idle);
		break;
	}
}

static void
metrics_http_backends(const struct status *st, FILE *f)
{
	static const char *const name[HB_COUNT] = {
		"lbd_backend_http_responses_total",
		"lbd_backend_connection_reuses_total",
		"lbd_backend_idle_connections"
	}, *const type[HB_COUNT] = { "counter", "counter", "gauge" },
	*const help[HB_COUNT] = {
		"HTTP response heads from the backend, by class.",
		"Requests sent on a pooled backend connection.",
		"Idle pooled connections to the backend, all workers."
	};

	for (int m = 0; m < HB_COUNT; m++) {
		family(f, name[m], type[m], help[m]);
		for (size_t i = 0; i < st->nservices; i++) {
			const struct status_service *s = &st->services[i];

			for (size_t j = 0; s->http.on && j < s->nbackends; j++)
				http_backend_value(f, s, &s->backends[j], m);
		}
	}
}

static void
metrics_http(const struct status *st, FILE *f)
{
	if (!has_http(st))
		return;
	metrics_http_services(st, f);
	metrics_http_backends(st, f);
}

int
status_metrics(const struct status *st, FILE *f)
{
	metrics_backends(st, f);
	metrics_services(st, f);
	metrics_workers(st, f);
	metrics_http(st, f);
	family(f, "lbd_workers", "gauge", "Worker processes serving now.");
	fprintf(f, "lbd_workers %u\n", st->workers);
	family(f, "lbd_worker_restarts_total", "counter",
	    "Workers respawned after dying.");
	fprintf(f, "lbd_worker_restarts_total %llu\n", st->restarts);
	family(f, "lbd_reloads_total", "counter",
	    "Configuration reloads that took effect.");
	fprintf(f, "lbd_reloads_total %llu\n", st->reloads);
	return (ferror(f) ? -1 : 0);
}

static void
json_string(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v != '\0'; v++) {
		unsigned char	ch = (unsigned char)*v;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* {"1xx":N,...,"5xx":N} */
static void
json_classes(FILE *f, const unsigned long long *counts)
{
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++)
		fprintf(f, "%s\"%uxx\":%llu", c == 0 ? "{" : ",", c + 1,
		    counts[c]);
	fputc('}', f);
}

/* ,"http":{...} for a backend of an http-mode service, else nothing. */
static void
json_http_backend(FILE *f, const struct status_http_backend *h)
{
	if (!h->on)
		return;
	fputs(",\"http\":{\"responses_total\":", f);
	json_classes(f, h->responses);
	fprintf(f, ",\"connection_reuses_total\":%llu,"
	    "\"idle_connections\":%u}", h->reuses, h->idle);
}

/* ,"http":{...} for an http-mode service, else nothing. */
static void
json_http_service(FILE *f, const struct status_http_service *h)
{
	unsigned long long	count = 0;

	if (!h->on)
		return;
	for (unsigned i = 0; i < LBD_SHM_HTTP_BUCKETS; i++)
		count += h->buckets[i];
	fprintf(f, ",\"http\":{\"requests_total\":%llu,"
	    "\"retries_total\":%llu,\"responses_total\":", h->requests,
	    h->retries);
	json_classes(f, h->responses);
	fprintf(f, ",\"request_duration_seconds\":{\"sum\":%.6f,"
	    "\"count\":%llu}}", h->duration_us / 1e6, count);
}

static void
json_backend(FILE *f, const struct status_backend *b)
{
	fputs("{\"name\":", f);
	json_string(f, b->name);
	fputs(",\"address\":", f);
	json_string(f, b->address);
	fputs(",\"state\":", f);
	json_string(f, b->state);
	fprintf(f, ",\"up\":%s,\"backup\":%s,\"weight\":%u,\"active\":%u,"
	    "\"connections_total\":%llu,\"connect_failures_total\":%llu,"
	    "\"bytes_in_total\":%llu,\"bytes_out_total\":%llu,"
	    "\"response_time_seconds\":%.6f", b->up ? "true" : "false",
	    b->backup ? "true" : "false", b->weight, b->active, b->total,
	    b->connect_failures, b->bytes_in, b->bytes_out, b->rt_seconds);
	json_http_backend(f, &b->http);
	fputc('}', f);
}

static void
json_service(FILE *f, const struct status_service *s)
{
	fputs("{\"name\":", f);
	json_string(f, s->name);
	fprintf(f, ",\"mode\":\"%s\",\"balance\":\"%s\",\"active\":%u,"
	    "\"connections_total\":%llu,\"rejected_total\":%llu",
	    s->mode, s->balance, s->active, s->total, s->rejected);
	json_http_service(f, &s->http);
	fputs(",\"backends\":[", f);
	for (size_t j = 0; j < s->nbackends; j++) {
		if (j > 0)
			fputc(',', f);
		json_backend(f, &s->backends[j]);
	}
	fputs("]}", f);
}

int
status_json(const struct status *st, FILE *f)
{
	fprintf(f, "{\"generation\":%u,\"workers\":%u,"
	    "\"worker_restarts_total\":%llu,\"reloads_total\":%llu,"
	    "\"worker_list\":[", st->generation, st->workers, st->restarts,
	    st->reloads);
	for (size_t i = 0; i < st->nprocs; i++)
		fprintf(f, "%s{\"worker\":%u,\"generation\":%u,"
		    "\"connections_total\":%llu,\"active\":%u}", i > 0 ? "," :
		    "", st->procs[i].id, st->procs[i].generation,
		    st->procs[i].accepted, st->procs[i].active);
	fputs("],\"services\":[", f);
	for (size_t i = 0; i < st->nservices; i++) {
		if (i > 0)
			fputc(',', f);
		json_service(f, &st->services[i]);
	}
	fputs("]}\n", f);
	return (ferror(f) ? -1 : 0);
}

static void
html_text(FILE *f, const char *v)
{
	for (; *v != '\0'; v++)
		switch (*v) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*v, f);
		}
}

static void
html_backend(FILE *f, const struct status_backend *b)
{
	fprintf(f, "<tr class=\"%s\"><td>", b->state);
	html_text(f, b->name);
	fputs("</td><td>", f);
	html_text(f, b->address);
	fprintf(f, "</td><td>%s%s</td><td>%u</td><td>%u</td><td>%llu</td>"
	    "<td>%llu</td><td>%.1f</td><td>%llu</td><td>%llu</td></tr>\n",
	    b->state, b->backup ? " (backup)" : "", b->weight, b->active,
	    b->total, b->connect_failures, b->rt_seconds * 1000, b->bytes_in,
	    b->bytes_out);
}

static void
html_classes(FILE *f, const unsigned long long *counts)
{
	for (unsigned c = 0; c < LBD_SHM_HTTP_CLASSES; c++)
		fprintf(f, "<td>%llu</td>", counts[c]);
}

/* An http-mode service's requests, then its backends' answers. */
static void
html_http(FILE *f, const struct status_service *s)
{
	const struct status_http_service	*h = &s->http;

	if (!h->on)
		return;
	fprintf(f, "<p>HTTP: requests %llu &middot; retries %llu</p>\n"
	    "<table>\n<tr><th>responses</th><th>1xx</th><th>2xx</th>"
	    "<th>3xx</th><th>4xx</th><th>5xx</th><th>reused</th>"
	    "<th>idle</th></tr>\n<tr><td>to clients</td>", h->requests,
	    h->retries);
	html_classes(f, h->responses);
	fputs("<td></td><td></td></tr>\n", f);
	for (size_t j = 0; j < s->nbackends; j++) {
		const struct status_backend	*b = &s->backends[j];

		fputs("<tr><td>from ", f);
		html_text(f, b->name);
		fputs("</td>", f);
		html_classes(f, b->http.responses);
		fprintf(f, "<td>%llu</td><td>%u</td></tr>\n", b->http.reuses,
		    b->http.idle);
	}
	fputs("</table>\n", f);
}

static void
html_service(FILE *f, const struct status_service *s)
{
	fputs("<h2>", f);
	html_text(f, s->name);
	fprintf(f, "</h2>\n<p>%s, %s &middot; active %u &middot; total %llu "
	    "&middot; rejected %llu</p>\n<table>\n<tr><th>backend</th>"
	    "<th>address</th><th>state</th><th>weight</th><th>active</th>"
	    "<th>total</th><th>failures</th><th>resp. ms</th>"
	    "<th>bytes in</th><th>bytes out</th></tr>\n", s->mode,
	    s->balance, s->active, s->total, s->rejected);
	for (size_t j = 0; j < s->nbackends; j++)
		html_backend(f, &s->backends[j]);
	fputs("</table>\n", f);
	html_http(f, s);
}

int
status_html(const struct status *st, FILE *f)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<meta http-equiv=\"refresh\" content=\"5\"><title>lbd</title>"
	    "<style>body{font-family:sans-serif}table{border-collapse:"
	    "collapse}td,th{padding:2px 10px;text-align:right}"
	    "td:first-child,th:first-child{text-align:left}"
	    ".down,.paused{background:#fcc}.disabled{background:#ddd}"
	    ".up{background:#cfc}</style></head><body>\n"
	    "<h1>lbd</h1>\n<p>generation %u &middot; workers %u &middot; "
	    "restarts %llu &middot; reloads %llu &middot; "
	    "<a href=\"/metrics\">metrics</a> &middot; "
	    "<a href=\"/status.json\">json</a></p>\n", st->generation,
	    st->workers, st->restarts, st->reloads);
	for (size_t i = 0; i < st->nservices; i++)
		html_service(f, &st->services[i]);
	fputs("<h2>workers</h2>\n<table>\n<tr><th>worker</th>"
	    "<th>generation</th><th>active</th><th>accepted</th></tr>\n", f);
	for (size_t i = 0; i < st->nprocs; i++)
		fprintf(f, "<tr><td>%u</td><td>%u</td><td>%u</td><td>%llu</td>"
		    "</tr>\n", st->procs[i].id, st->procs[i].generation,
		    st->procs[i].active, st->procs[i].accepted);
	fputs("</table>\n</body></html>\n", f);
	return (ferror(f) ? -1 : 0);
}

int
status_services_text(const struct status *st, FILE *f)
{
	fprintf(f, "%-16s %-5s %-10s %8s %10s %10s %s\n", "service", "mode",
	    "balance", "active", "total", "rejected", "up");
	for (size_t i = 0; i < st->nservices; i++) {
		const struct status_service	*s = &st->services[i];
		size_t				 up = 0;

		for (size_t j = 0; j < s->nbackends; j++)
			up += s->backends[j].up;
		fprintf(f, "%-16s %-5s %-10s %8u %10llu %10llu %zu/%zu\n",
		    s->name, s->mode, s->balance, s->active, s->total,
		    s->rejected, up, s->nbackends);
	}
	return (ferror(f) ? -1 : 0);
}

int
status_backends_text(const struct status *st, const char *service, FILE *f)
{
	fprintf(f, "%-16s %-16s %-22s %-8s %6s %8s %10s %8s %8s\n",
	    "service", "backend", "address", "state", "weight", "active",
	    "total", "failures", "resp_ms");
	for (size_t i = 0; i < st->nservices; i++) {
		const struct status_service	*s = &st->services[i];

		if (service != NULL && strcmp(service, s->name) != 0)
			continue;
		for (size_t j = 0; j < s->nbackends; j++) {
			const struct status_backend *b = &s->backends[j];

			fprintf(f, "%-16s %-16s %-22s %-8s %6u %8u %10llu "
			    "%8llu %8.1f\n", s->name, b->name, b->address,
			    b->state, b->weight, b->active, b->total,
			    b->connect_failures, b->rt_seconds * 1000);
		}
	}
	return (ferror(f) ? -1 : 0);
}

int
status_http_backends_text(const struct status *st, const char *service,
    FILE *f)
{
	bool	header = false;

	for (size_t i = 0; i < st->nservices; i++) {
		const struct status_service	*s = &st->services[i];

		if (!s->http.on || (service != NULL &&
		    strcmp(service, s->name) != 0))
			continue;
		if (!header)
			fprintf(f, "\n%-16s %-16s %10s %10s %10s %10s %10s "
			    "%10s %6s\n", "service", "backend", "1xx", "2xx",
			    "3xx", "4xx", "5xx", "reused", "idle");
		header = true;
		for (size_t j = 0; j < s->nbackends; j++) {
			const struct status_http_backend *h =
			    &s->backends[j].http;

			fprintf(f, "%-16s %-16s %10llu %10llu %10llu %10llu "
			    "%10llu %10llu %6u\n", s->name,
			    s->backends[j].name, h->responses[0],
			    h->responses[1], h->responses[2], h->responses[3],
			    h->responses[4], h->reuses, h->idle);
		}
	}
	return (ferror(f) ? -1 : 0);
}
