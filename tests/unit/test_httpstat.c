/*
 * HTTP mode's counters: what httpstat_* writes into a real shared region,
 * a dead worker's idle connections taken back at reclaim, and the master's
 * renderings of them (/metrics, /status.json, "show backends").
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "httpstat.h"
#include "lbd.h"
#include "runtime.h"
#include "shm.h"
#include "status.h"
#include "unit.h"

static void
test_class(void)
{
	CU_ASSERT_EQUAL(httpstat_class(100), 0);
	CU_ASSERT_EQUAL(httpstat_class(199), 0);
	CU_ASSERT_EQUAL(httpstat_class(200), 1);
	CU_ASSERT_EQUAL(httpstat_class(304), 2);
	CU_ASSERT_EQUAL(httpstat_class(404), 3);
	CU_ASSERT_EQUAL(httpstat_class(599), 4);
	CU_ASSERT_EQUAL(httpstat_class(99), -1);
	CU_ASSERT_EQUAL(httpstat_class(600), -1);
	CU_ASSERT_EQUAL(httpstat_class(0), -1);
}

/* Bounds are inclusive (Prometheus le); past the last, +Inf. */
static void
test_bucket(void)
{
	CU_ASSERT_EQUAL(httpstat_bucket(0), 0);
	CU_ASSERT_EQUAL(httpstat_bucket(5000), 0);
	CU_ASSERT_EQUAL(httpstat_bucket(5001), 1);
	CU_ASSERT_STRING_EQUAL(httpstat_bucket_le(httpstat_bucket(5001)),
	    "0.01");
	CU_ASSERT_STRING_EQUAL(httpstat_bucket_le(httpstat_bucket(300000)),
	    "0.5");
	CU_ASSERT_STRING_EQUAL(httpstat_bucket_le(httpstat_bucket(1000000)),
	    "1");
	CU_ASSERT_STRING_EQUAL(httpstat_bucket_le(httpstat_bucket(10000000)),
	    "10");
	CU_ASSERT_EQUAL(httpstat_bucket(10000001), LBD_SHM_HTTP_BUCKETS - 1);
	CU_ASSERT_EQUAL(httpstat_bucket(UINT64_MAX), LBD_SHM_HTTP_BUCKETS - 1);
	CU_ASSERT_STRING_EQUAL(httpstat_bucket_le(LBD_SHM_HTTP_BUCKETS - 1),
	    "+Inf");
}

/* Service name of mode m with backends "a", "b", ... (n of them). */
static int
add_service(struct config *c, const char *name, enum service_mode m,
    size_t n)
{
	struct service_config	*sc = &c->services[c->nservices++];
	struct sockaddr_in	*sin = (struct sockaddr_in *)&sc->listen[0].ss;

	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sc->listen[0].len = sizeof(*sin);
	sc->nlisten = 1;
	sc->mode = m;
	if ((sc->backends = calloc(n, sizeof(*sc->backends))) == NULL)
		return (-1);
	for (size_t j = 0; j < n; j++) {
		snprintf(sc->backends[j].name, LBD_NAMELEN, "%c",
		    (int)('a' + j));
		snprintf(sc->backends[j].address, LBD_ADDRLEN,
		    "127.0.0.1:%zu", 8000 + j);
		sc->backends[j].weight = 1;
	}
	sc->nbackends = n;
	return (0);
}

/* A running env: tcp service "raw" (1 backend), http "web" (a, b). */
static int
env_open(struct lbd *env)
{
	struct config	*c;
	char		 err[LBD_ERRLEN];

	memset(env, 0, sizeof(*env));
	env->ready_fd = env->pidfile_fd = env->stats_fd = -1;
	env->generation = 1;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->services = calloc(2, sizeof(*c->services))) == NULL) {
		free(c);
		return (-1);
	}
	c->workers = 1;
	env->conf = c;
	if (add_service(c, "raw", MODE_TCP, 1) == -1 ||
	    add_service(c, "web", MODE_HTTP, 2) == -1 ||
	    runtime_open(env, err, sizeof(err)) == -1) {
		config_free(c);
		return (-1);
	}
	return (0);
}

static void
env_close(struct lbd *env)
{
	runtime_close(env);
	config_free(env->conf);
}

static void
test_counts(void)
{
	struct lbd		 env;
	const struct service	*web;
	struct shm_service	*sh;
	struct shm_backend	*a, *b;

	CU_ASSERT_FATAL(env_open(&env) == 0);
	web = &env.services[1];
	sh = shm_service(env.shm, web->slot);
	a = shm_backend(env.shm, web->be_slot[0]);
	b = shm_backend(env.shm, web->be_slot[1]);
	for (int i = 0; i < 3; i++)
		httpstat_request(&env, web);
	httpstat_response(&env, web, 200, 3000);
	httpstat_response(&env, web, 204, 7000);
	httpstat_response(&env, web, 503, 20000000);
	httpstat_response(&env, web, 700, 1);	/* no class; timed */
	httpstat_backend_response(&env, web, 1, 100);
	httpstat_backend_response(&env, web, 1, 404);
	httpstat_backend_response(&env, web, 7, 200);	/* no such backend */
	httpstat_reuse(&env, web, 0);
	httpstat_retry(&env, web);
	CU_ASSERT_EQUAL(shm_service_http_requests(sh), 3);
	CU_ASSERT_EQUAL(shm_service_http_responses(sh, 1), 2);
	CU_ASSERT_EQUAL(shm_service_http_responses(sh, 4), 1);
	CU_ASSERT_EQUAL(shm_service_http_responses(sh, 0), 0);
	CU_ASSERT_EQUAL(shm_service_http_bucket(sh, 0), 2);	/* 3ms, 1us */
	CU_ASSERT_EQUAL(shm_service_http_bucket(sh, 1), 1);	/* 7ms */
	CU_ASSERT_EQUAL(shm_service_http_bucket(sh,
	    LBD_SHM_HTTP_BUCKETS - 1), 1);			/* 20s */
	CU_ASSERT_EQUAL(shm_service_http_duration_us(sh), 20010001);
	CU_ASSERT_EQUAL(shm_service_http_retries(sh), 1);
	CU_ASSERT_EQUAL(shm_backend_http_responses(b, 0), 1);
	CU_ASSERT_EQUAL(shm_backend_http_responses(b, 3), 1);
	CU_ASSERT_EQUAL(shm_backend_http_responses(a, 1), 0);
	CU_ASSERT_EQUAL(shm_backend_http_reuses(a), 1);
	CU_ASSERT_EQUAL(shm_backend_http_reuses(b), 0);
	env_close(&env);
}

/* Idle connections are a gauge; a dead worker's share is taken back. */
static void
test_idle_reclaim(void)
{
	struct lbd		 env;
	const struct service	*web;
	struct shm_backend	*a;
	int			 w1, w2;

	CU_ASSERT_FATAL(env_open(&env) == 0);
	web = &env.services[1];
	a = shm_backend(env.shm, web->be_slot[0]);
	w1 = shm_worker_alloc(env.shm);
	w2 = shm_worker_alloc(env.shm);
	CU_ASSERT_FATAL(w1 >= 0 && w2 >= 0);
	httpstat_idle(&env, w1, web, 0, 3);
	httpstat_idle(&env, w1, web, 0, -1);
	httpstat_idle(&env, w2, web, 0, 1);
	httpstat_idle(&env, w2, web, 9, 1);	/* no such backend */
	CU_ASSERT_EQUAL(shm_backend_http_idle(a), 3);
	shm_reclaim_worker(env.shm, w1);
	CU_ASSERT_EQUAL(shm_backend_http_idle(a), 1);
	httpstat_idle(&env, w2, web, 0, -1);
	CU_ASSERT_EQUAL(shm_backend_http_idle(a), 0);
	shm_reclaim_worker(env.shm, w2);
	CU_ASSERT_EQUAL(shm_backend_http_idle(a), 0);
	env_close(&env);
}

/* Render env's snapshot with fn into a new string (caller frees). */
static char *
render(struct lbd *env, int (*fn)(const struct status *, FILE *))
{
	struct status	*st;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 rc;

	if ((st = status_take(env)) == NULL)
		return (NULL);
	if ((f = open_memstream(&text, &len)) == NULL) {
		status_free(st);
		return (NULL);
	}
	rc = fn(st, f);
	status_free(st);
	if (fclose(f) == EOF || rc == -1) {
		free(text);
		return (NULL);
	}
	return (text);
}

/* The "show backends" HTTP row of web's backend be reads want, spaced. */
static bool
row_is(const char *text, const char *be, const char *want)
{
	char		 name[16], row[256] = "";
	unsigned	 v[7];
	const char	*p;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (sscanf(p, "web %15s %u %u %u %u %u %u %u", name, &v[0],
		    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) == 8 &&
		    strcmp(name, be) == 0) {
			snprintf(row, sizeof(row), "%u %u %u %u %u %u %u", v[0],
			    v[1], v[2], v[3], v[4], v[5], v[6]);
			break;
		}
	return (strcmp(row, want) == 0);
}

static int
backends_text(const struct status *st, FILE *f)
{
	return (status_http_backends_text(st, NULL, f));
}

static void
test_render(void)
{
	static const char *const want[] = {
		"lbd_http_requests_total{service=\"web\"} 2\n",
		"lbd_http_responses_total{service=\"web\",code=\"2xx\"} 1\n",
		"lbd_http_responses_total{service=\"web\",code=\"5xx\"} 1\n",
		"lbd_http_responses_total{service=\"web\",code=\"1xx\"} 0\n",
		"# TYPE lbd_http_request_duration_seconds histogram\n",
		"lbd_http_request_duration_seconds_bucket{service=\"web\","
		    "le=\"0.005\"} 0\n",
		"lbd_http_request_duration_seconds_bucket{service=\"web\","
		    "le=\"0.01\"} 1\n",
		"lbd_http_request_duration_seconds_bucket{service=\"web\","
		    "le=\"0.5\"} 1\n",
		"lbd_http_request_duration_seconds_bucket{service=\"web\","
		    "le=\"1\"} 2\n",
		"lbd_http_request_duration_seconds_bucket{service=\"web\","
		    "le=\"+Inf\"} 2\n",
		"lbd_http_request_duration_seconds_sum{service=\"web\"} "
		    "0.608000\n",
		"lbd_http_request_duration_seconds_count{service=\"web\"} 2\n",
		"lbd_http_retries_total{service=\"web\"} 1\n",
		"lbd_backend_http_responses_total{service=\"web\","
		    "backend=\"b\",code=\"3xx\"} 1\n",
		"lbd_backend_connection_reuses_total{service=\"web\","
		    "backend=\"a\"} 2\n",
		"lbd_backend_idle_connections{service=\"web\",backend=\"a\"} "
		    "1\n",
		"lbd_backend_idle_connections{service=\"web\",backend=\"b\"} "
		    "0\n",
	};
	struct lbd		 env;
	const struct service	*web;
	char			*text;
	int			 w;

	CU_ASSERT_FATAL(env_open(&env) == 0);
	web = &env.services[1];
	w = shm_worker_alloc(env.shm);
	httpstat_request(&env, web);
	httpstat_request(&env, web);
	httpstat_response(&env, web, 200, 8000);
	httpstat_response(&env, web, 502, 600000);
	httpstat_backend_response(&env, web, 1, 301);
	httpstat_reuse(&env, web, 0);
	httpstat_reuse(&env, web, 0);
	httpstat_retry(&env, web);
	httpstat_idle(&env, w, web, 0, 1);

	CU_ASSERT_FATAL((text = render(&env, status_metrics)) != NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(text, want[i]) == NULL) {
			fprintf(stderr, "missing: %s", want[i]);
			CU_FAIL("a sample is missing");
		}
	/* Only the http-mode service has HTTP series. */
	CU_ASSERT_PTR_NULL(strstr(text, "service=\"raw\",code="));
	CU_ASSERT_PTR_NULL(strstr(text, "lbd_http_requests_total{"
	    "service=\"raw\"}"));
	free(text);

	CU_ASSERT_FATAL((text = render(&env, status_json)) != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"http\":{\"requests_total\":2,"
	    "\"retries_total\":1,\"responses_total\":{\"1xx\":0,\"2xx\":1,"
	    "\"3xx\":0,\"4xx\":0,\"5xx\":1},\"request_duration_seconds\":"
	    "{\"sum\":0.608000,\"count\":2}}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"http\":{\"responses_total\":"
	    "{\"1xx\":0,\"2xx\":0,\"3xx\":1,\"4xx\":0,\"5xx\":0},"
	    "\"connection_reuses_total\":0,\"idle_connections\":0}"));
	free(text);

	CU_ASSERT_FATAL((text = render(&env, backends_text)) != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "reused"));
	CU_ASSERT_TRUE(row_is(text, "b", "0 0 1 0 0 0 0"));
	CU_ASSERT_TRUE(row_is(text, "a", "0 0 0 0 0 2 1"));
	CU_ASSERT_PTR_NULL(strstr(text, "raw"));
	free(text);

	CU_ASSERT_FATAL((text = render(&env, status_html)) != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "HTTP: requests 2"));
	free(text);
	env_close(&env);
}

/* Without an http-mode service, /metrics has no HTTP family at all. */
static void
test_render_tcp_only(void)
{
	struct lbd	 env;
	char		*text;

	CU_ASSERT_FATAL(env_open(&env) == 0);
	env.conf->services[1].mode = MODE_TCP;	/* both tcp now */
	CU_ASSERT_FATAL((text = render(&env, status_metrics)) != NULL);
	CU_ASSERT_PTR_NULL(strstr(text, "lbd_http_"));
	CU_ASSERT_PTR_NULL(strstr(text, "idle_connections"));
	free(text);
	env_close(&env);
}

int
test_httpstat_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("httpstat", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "response classes", test_class) == NULL ||
	    CU_add_test(s, "histogram buckets", test_bucket) == NULL ||
	    CU_add_test(s, "counts in the region", test_counts) == NULL ||
	    CU_add_test(s, "idle taken back at reclaim",
	    test_idle_reclaim) == NULL ||
	    CU_add_test(s, "rendering", test_render) == NULL ||
	    CU_add_test(s, "no HTTP families without http mode",
	    test_render_tcp_only) == NULL)
		return (-1);
	return (0);
}
