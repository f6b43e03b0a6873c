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

#include "backend.h"
#include "clock.h"
#include "config.h"
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

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (NULL);
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

int
status_metrics(const struct status *st, FILE *f)
{
	metrics_backends(st, f);
	metrics_services(st, f);
	metrics_workers(st, f);
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
	    "\"response_time_seconds\":%.6f}", b->up ? "true" : "false",
	    b->backup ? "true" : "false", b->weight, b->active, b->total,
	    b->connect_failures, b->bytes_in, b->bytes_out, b->rt_seconds);
}

static void
json_service(FILE *f, const struct status_service *s)
{
	fputs("{\"name\":", f);
	json_string(f, s->name);
	fprintf(f, ",\"mode\":\"%s\",\"balance\":\"%s\",\"active\":%u,"
	    "\"connections_total\":%llu,\"rejected_total\":%llu,"
	    "\"backends\":[", s->mode, s->balance, s->active, s->total,
	    s->rejected);
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
	fputc(']', f);
	json_reload(&st->reload, f);
	fputs("}\n", f);
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
}

/* One line on the newest reload: when, how, and why it failed. */
static void
html_reload(const struct status_reload *r, FILE *f)
{
	struct tm	tm;
	time_t		t = (time_t)r->time;
	char		when[32] = "?";

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "<p class=\"%s\">last reload: %s at %s &middot; "
	    "generation %u &middot; failed reloads %llu", r->failed ? "down" :
	    "up", r->failed ? "failed" : "ok", when, r->generation,
	    r->failures);
	if (r->failed) {
		fputs(" &middot; ", f);
		html_text(f, r->error);
	}
	fputs("</p>\n", f);
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
	html_reload(&st->reload, f);
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
