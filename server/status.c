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
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "health.h"
#include "history.h"
#include "httpstat.h"
#include "lbd.h"
#include "runtime.h"
#include "shm.h"
#include "status.h"

static const char *const admin_names[ADMIN_COUNT] = {
	"up", "maint", "drain"
};

/* Health alone: the checks' verdict and the passive pause. */
static const char *
backend_health(struct shm_backend *sb, uint64_t now)
{
	if (shm_backend_state(sb) != BACKEND_UP)
		return ("down");
	if (now < shm_backend_paused_until(sb))
		return ("paused");	/* by connect failures */
	return ("up");
}

/* Seconds from then to now, or unknown when then is not in the past. */
static double
age(uint64_t then, uint64_t now)
{
	if (then == 0 || then > now)
		return (STATUS_AGE_UNKNOWN);
	return ((double)(now - then) / 1000);
}

/* The last check, in words, bounded: the checker wrote it. */
static void
take_check(struct status_backend *b, struct shm_backend *sb, uint64_t now)
{
	uint64_t	ms;
	int		result, detail;

	shm_backend_check(sb, &result, &detail, &ms);
	b->check_age = age(ms, now);
	if (result == CHECK_NONE || b->check_age == STATUS_AGE_UNKNOWN) {
		b->check[0] = '\0';
		b->check_age = STATUS_AGE_UNKNOWN;
		return;
	}
	health_reason(result, detail, b->check, sizeof(b->check));
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
    const struct service *s, unsigned j, uint64_t now)
{
	const struct backend_config	*bc = &s->conf->backends[j];
	struct shm_backend		*sb = backend_shm(env, s, j);
	enum backend_admin		 admin = runtime_admin(env, s, j);

	b->slot = s->be_slot[j];
	snprintf(b->name, sizeof(b->name), "%s", bc->name);
	snprintf(b->address, sizeof(b->address), "%s", bc->address);
	b->health = backend_health(sb, now);
	b->admin = admin_names[admin];
	b->health_up = strcmp(b->health, "up") == 0;
	b->up = b->health_up && admin == ADMIN_UP;
	b->state = admin != ADMIN_UP ? b->admin : b->health;
	b->admin_set = admin != ADMIN_UP;
	b->checked = s->conf->health.type != HEALTH_NONE;
	b->check_age = STATUS_AGE_UNKNOWN;
	if (b->checked)
		take_check(b, sb, now);
	b->state_age = age(shm_backend_changed(sb), now);
	b->backup = bc->backup;
	b->weight = runtime_weight(env, s, j);
	b->weight_set = runtime_weight_is_set(env, s, j);
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
    const struct service *s, uint64_t now)
{
	struct shm_service	*sh = shm_service(env->shm, s->slot);

	snprintf(ss->name, sizeof(ss->name), "%s", s->conf->name);
	ss->mode = config_mode_name(s->conf->mode);
	ss->balance = config_balance_name(s->conf->balance);
	ss->active = shm_service_active(sh);
	ss->total = shm_service_total(sh);
	ss->rejected = shm_service_rejected(sh);
	ss->timeouts = shm_service_timeouts(sh);
	ss->resets = shm_service_resets(sh);
	ss->queued = shm_service_queued(sh);
	ss->queued_peak = shm_service_queued_peak(sh);
	ss->queue_timeouts = shm_service_queue_timeouts(sh);
	ss->retries = shm_service_retries(sh);
	ss->slot = s->slot;
	take_http_service(&ss->http, s, sh);
	ss->nbackends = s->conf->nbackends;
	if ((ss->backends = calloc(ss->nbackends,
	    sizeof(*ss->backends))) == NULL)
		return (-1);
	for (size_t j = 0; j < ss->nbackends; j++) {
		take_backend(&ss->backends[j], env, s, j, now);
		ss->nup += ss->backends[j].up;
	}
	ss->alarm = ss->nup == 0;
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

static void
take_reload(struct status_reload *r, const struct reload_state *rs)
{
	r->generation = rs->generation;
	r->time = rs->time;
	r->failed = rs->failed;
	r->failures = rs->failures;
	snprintf(r->error, sizeof(r->error), "%s", rs->error);
}

struct status *
status_take(struct lbd *env)
{
	struct shm_global	*g = shm_global(env->shm);
	struct status		*st;
	uint64_t		 now;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
	now = clock_ms();
	st->pid = (int)getpid();
	st->uptime = age(env->started_ms, now);
	st->time = (long long)time(NULL);
	st->generation = env->generation;
	st->workers = shm_global_workers(g);
	st->restarts = shm_global_restarts(g);
	st->reloads = shm_global_reloads(g);
	take_reload(&st->reload, &env->reload);
	st->nservices = env->conf->nservices;
	if (take_workers(st, env) == -1)
		goto fail;
	if ((st->services = calloc(st->nservices,
	    sizeof(*st->services))) == NULL)
		goto fail;
	for (size_t i = 0; i < st->nservices; i++) {
		if (take_service(&st->services[i], env, &env->services[i],
		    now) == -1)
			goto fail;
		st->alarm |= st->services[i].alarm;
	}
	return (st);
fail:
	status_free(st);
	return (NULL);
}

void
status_add_history(struct status *st, const struct history *h)
{
	for (size_t i = 0; h != NULL && i < st->nservices; i++) {
		struct status_service	*ss = &st->services[i];

		ss->npoints = history_service(h, ss->slot, ss->series,
		    &ss->rate, &ss->peak);
		if (ss->active > ss->peak)
			ss->peak = ss->active;
		for (size_t j = 0; j < ss->nbackends; j++)
			history_backend(h, ss->backends[j].slot,
			    &ss->backends[j].rate, &ss->backends[j].peak);
	}
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
	{ "lbd_backend_up", "gauge",
	    "1 when the backend is healthy (checks pass, not paused)." },
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
		fprintf(f, "%d\n", b->health_up);
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

/* One series per admin state: 1 for the one in force, 0 for the others. */
static void
metrics_admin(const struct status *st, FILE *f)
{
	family(f, "lbd_backend_admin_state", "gauge",
	    "1 for the admin state the operator set (up, maint, drain).");
	for (size_t i = 0; i < st->nservices; i++)
		for (size_t j = 0; j < st->services[i].nbackends; j++)
			for (int a = 0; a < ADMIN_COUNT; a++) {
				const struct status_backend *b =
				    &st->services[i].backends[j];

				fputs("lbd_backend_admin_state{service=\"", f);
				label(f, st->services[i].name);
				fputs("\",backend=\"", f);
				label(f, b->name);
				fprintf(f, "\",state=\"%s\"} %d\n",
				    admin_names[a],
				    strcmp(b->admin, admin_names[a]) == 0);
			}
}

/* Service metric m of s: the order of service_metrics[]. */
static unsigned long long
service_value(const struct status_service *s, int m)
{
	const unsigned long long v[] = { s->active, s->total, s->rejected,
	    s->timeouts, s->resets, s->queued, s->queue_timeouts, s->retries };

	return (v[m]);
}

static void
metrics_services(const struct status *st, FILE *f)
{
	static const struct {
		const char	*name, *type, *help;
	} sm[] = {
		{ "lbd_service_active_connections", "gauge",
		    "Client connections open now, all workers." },
		{ "lbd_service_connections_total", "counter",
		    "Client connections accepted." },
		{ "lbd_service_rejected_total", "counter",
		    "Client connections closed for want of a backend." },
		{ "lbd_service_timeouts_total", "counter",
		    "Connections ended by a client, server or queue timeout." },
		{ "lbd_service_resets_total", "counter",
		    "Connections ended by a reset or an I/O error." },
		{ "lbd_service_queued_connections", "gauge",
		    "Clients waiting for a backend slot now, all workers." },
		{ "lbd_service_queue_timeouts_total", "counter",
		    "Clients that waited timeouts.queue for a slot in vain." },
		{ "lbd_service_retries_total", "counter",
		    "Connects retried on another backend after one failed." },
	};

	for (int m = 0; m < (int)(sizeof(sm) / sizeof(sm[0])); m++) {
		family(f, sm[m].name, sm[m].type, sm[m].help);
		for (size_t i = 0; i < st->nservices; i++) {
			fprintf(f, "%s{service=\"", sm[m].name);
			label(f, st->services[i].name);
			fprintf(f, "\"} %llu\n", service_value(&st->services[i],
			    m));
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

static void
metrics_reload(const struct status *st, FILE *f)
{
	family(f, "lbd_reload_failures_total", "counter",
	    "Reloads that failed: the generation before kept serving.");
	fprintf(f, "lbd_reload_failures_total %llu\n", st->reload.failures);
	family(f, "lbd_reload_last_result", "gauge",
	    "1 when the newest reload (or the start) took effect, else 0.");
	fprintf(f, "lbd_reload_last_result %d\n", st->reload.failed ? 0 : 1);
	family(f, "lbd_reload_last_timestamp_seconds", "gauge",
	    "When the newest reload (or the start) ended, Unix seconds.");
	fprintf(f, "lbd_reload_last_timestamp_seconds %lld\n",
	    st->reload.time);
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
	metrics_admin(st, f);
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
	metrics_reload(st, f);
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

/* Seconds, or null when unknown. */
static void
json_age(FILE *f, double seconds)
{
	if (seconds == STATUS_AGE_UNKNOWN)
		fputs("null", f);
	else
		fprintf(f, "%.3f", seconds);
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
	fprintf(f, ",\"health\":\"%s\",\"admin\":\"%s\","
	    "\"weight_overridden\":%s,\"admin_overridden\":%s,"
	    "\"peak_active\":%u,\"connections_per_second\":%.3f,"
	    "\"state_age_seconds\":", b->health, b->admin,
	    b->weight_set ? "true" : "false", b->admin_set ? "true" : "false",
	    b->peak, b->rate);
	json_age(f, b->state_age);
	fputs(",\"last_check\":", f);
	if (b->check_age == STATUS_AGE_UNKNOWN)
		fputs("null", f);
	else
		json_string(f, b->check);
	fputs(",\"last_check_age_seconds\":", f);
	json_age(f, b->check_age);
	json_http_backend(f, &b->http);
	fputc('}', f);
}

static void
json_service(FILE *f, const struct status_service *s)
{
	fputs("{\"name\":", f);
	json_string(f, s->name);
	fprintf(f, ",\"mode\":\"%s\",\"balance\":\"%s\",\"active\":%u,"
	    "\"connections_total\":%llu,\"rejected_total\":%llu,"
	    "\"timeouts_total\":%llu,\"resets_total\":%llu,"
	    "\"backends_up\":%zu,\"backends_total\":%zu,\"alarm\":%s,"
	    "\"peak_active\":%u,\"connections_per_second\":%.3f",
	    s->mode, s->balance, s->active, s->total, s->rejected,
	    s->timeouts, s->resets, s->nup, s->nbackends,
	    s->alarm ? "true" : "false", s->peak, s->rate);
	fprintf(f, ",\"queued\":%u,\"queued_peak\":%u,"
	    "\"queue_timeouts_total\":%llu,\"retries_total\":%llu",
	    s->queued, s->queued_peak, s->queue_timeouts, s->retries);
	json_http_service(f, &s->http);
	fputs(",\"backends\":[", f);
	for (size_t j = 0; j < s->nbackends; j++) {
		if (j > 0)
			fputc(',', f);
		json_backend(f, &s->backends[j]);
	}
	fputs("]}", f);
}

/* ,"reload":{...}, as SPEC words it. */
static void
json_reload(const struct status_reload *r, FILE *f)
{
	fprintf(f, ",\"reload\":{\"generation\":%u,\"time\":%lld,"
	    "\"result\":\"%s\",\"error\":", r->generation, r->time,
	    r->failed ? "failed" : "ok");
	json_string(f, r->error);
	fputc('}', f);
}

int
status_json(const struct status *st, FILE *f)
{
	fprintf(f, "{\"version\":\"%s\",\"pid\":%d,\"uptime_seconds\":",
	    LBD_VERSION, st->pid);
	json_age(f, st->uptime);
	fprintf(f, ",\"time\":%lld,\"alarm\":%s,", st->time,
	    st->alarm ? "true" : "false");
	fprintf(f, "\"generation\":%u,\"workers\":%u,"
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
	fputc(']', f);
	json_reload(&st->reload, f);
	fputs("}\n", f);
	return (ferror(f) ? -1 : 0);
}

void
status_duration(double seconds, char *buf, size_t len)
{
	long long	s = (long long)seconds;

	if (seconds == STATUS_AGE_UNKNOWN)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

void
status_check_text(const struct status_backend *b, char *buf, size_t len)
{
	char	ago[32];

	if (!b->checked || b->check_age == STATUS_AGE_UNKNOWN) {
		snprintf(buf, len, "-");
		return;
	}
	status_duration(b->check_age, ago, sizeof(ago));
	snprintf(buf, len, "%s %s ago", b->check, ago);
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
	fprintf(f, "%-16s %-16s %-22s %-8s %6s %8s %10s %8s %8s %-6s %s\n",
	    "service", "backend", "address", "state", "weight", "active",
	    "total", "failures", "resp_ms", "health", "last_check");
	for (size_t i = 0; i < st->nservices; i++) {
		const struct status_service	*s = &st->services[i];

		if (service != NULL && strcmp(service, s->name) != 0)
			continue;
		for (size_t j = 0; j < s->nbackends; j++) {
			const struct status_backend *b = &s->backends[j];
			char	state[16], weight[16], check[96];

			snprintf(state, sizeof(state), "%s%s", b->state,
			    b->admin_set ? "*" : "");
			snprintf(weight, sizeof(weight), "%u%s", b->weight,
			    b->weight_set ? "*" : "");
			status_check_text(b, check, sizeof(check));
			fprintf(f, "%-16s %-16s %-22s %-8s %6s %8u %10llu "
			    "%8llu %8.1f %-6s %s\n", s->name, b->name,
			    b->address, state, weight, b->active, b->total,
			    b->connect_failures, b->rt_seconds * 1000,
			    b->health, check);
		}
	}
	fputs("* set at runtime: kept across reloads until the file "
	    "changes the backend\n", f);
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
