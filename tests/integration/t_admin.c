/*
 * Admin states, runtime overrides and the status page's alarm, through
 * lbd -x, /status.json and /metrics.
 *
 * Config: identity backends "a" and "b" (weight 1, roundrobin), tcp
 * health checks every 200 ms (rise 1, fall 1), a control socket.
 * Client actions and expectations:
 *  - all three backends dead: /status.json says web has backends_up 0 of
 *    backends_total 3 and alarm true (and so does the top level); each
 *    backend's last_check is "connect refused" with an age, and its
 *    state_age a number; the page shows the alarm banner before its
 *    first table;
 *  - a connection open to a, "drain web/a": a's admin state is drain in
 *    the JSON, in lbd_backend_admin_state (drain 1, up 0, maint 0) and in
 *    "show backends" (drain*); lbd_backend_up of a stays 1; 10 new
 *    connections all go to b while the open one still echoes; "enable":
 *    admin up again and connections split;
 *  - "disable web/a": maint likewise; then a's backend stops: its
 *    lbd_backend_up turns 0 (health is told as it is) while the admin
 *    state stays maint, and the down line is logged with admin=maint;
 *  - "set weight web/a 5", reload with the file unchanged: weight 5 kept,
 *    weight_overridden true, "5*" in show backends; then a's weight
 *    changed in the file (2) and reload: weight 2, not overridden;
 *  - "disable web/a", reload unchanged: maint kept, admin_overridden;
 *    then a's maxconn changed in the file and reload: admin up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "httpc.h"
#include "json.h"

#define RUN_MS		5000	/* for one lbd -x */
#define WAIT_MS		5000	/* for a check to pass or fail */
#define HEALTH		HARNESS_OPTS " health = { type = \"tcp\"; " \
			"interval = \"200ms\"; timeout = \"200ms\"; " \
			"rise = 1; fall = 1; };"
#define UP		"lbd_backend_up"
#define ADMIN(st)	"lbd_backend_admin_state{service=\"web\"," \
			"backend=\"a\",state=\"" st "\"}"

/* lbd with identity a and b, checked, and a control socket; or NULL. */
static struct harness *
start(void)
{
	struct harness	*h = harness_new();

	if (h == NULL)
		return (NULL);
	snprintf(h->top, sizeof(h->top), "%s control = \"%s/ctl.sock\";",
	    HARNESS_TOP, h->dir);
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (harness_start(h, HEALTH) == -1 ||
	    harness_backend_metric_wait(h, UP, 0, 1, WAIT_MS) != 1 ||
	    harness_backend_metric_wait(h, UP, 1, 1, WAIT_MS) != 1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* lbd -x cmd; true when it exits 0.  Its reply goes to out. */
static bool
ctl(const struct harness *h, const char *cmd, char *out, size_t len)
{
	return (harness_run(out, len, RUN_MS, "-c", h->conf, "-x", cmd,
	    NULL) == 0);
}

/* True when "show backends web" has a row for name with this state. */
static bool
shows(const struct harness *h, const char *name, const char *state,
    const char *weight)
{
	char	out[8192], want[128];
	char	*line, *save = NULL;
	char	svc[64], be[64], addr[300], st[32], w[32];

	if (!ctl(h, "show backends web", out, sizeof(out)))
		return (false);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s %63s %299s %31s %31s", svc, be, addr, st,
		    w) == 5 && strcmp(be, name) == 0)
			return (strcmp(st, state) == 0 &&
			    strcmp(w, weight) == 0);
	snprintf(want, sizeof(want), "no row for %s", name);
	CU_FAIL(want);
	return (false);
}

/* GET /status.json, parsed; NULL when it could not be read or parsed. */
static struct json *
status_json(const struct harness *h)
{
	struct httpc_resp	 r;
	struct json		*j = NULL;
	char			 err[256];

	if (httpc_get(h->stats_port, "GET", "/status.json", &r) == 0 &&
	    r.status == 200 && r.body != NULL)
		j = json_parse(r.body, r.bodylen, err, sizeof(err));
	httpc_resp_free(&r);
	return (j);
}

/* The object of backend name of service svc in j, or NULL. */
static const struct json *
backend_of(const struct json *j, const char *svc, const char *name)
{
	const struct json	*s;

	s = json_find(json_get(j, "services"), "name", svc);
	return (json_find(json_get(s, "backends"), "name", name));
}

/* Member key of o is the string want / the boolean want / a number. */
static bool
is_string(const struct json *o, const char *key, const char *want)
{
	const struct json	*m = json_get(o, key);

	return (m != NULL && m->type == JSON_STRING &&
	    strcmp(m->str, want) == 0);
}

static bool
is_bool(const struct json *o, const char *key, bool want)
{
	const struct json	*m = json_get(o, key);

	return (m != NULL && m->type == (want ? JSON_TRUE : JSON_FALSE));
}

static double
number(const struct json *o, const char *key)
{
	const struct json	*m = json_get(o, key);

	return (m != NULL && m->type == JSON_NUMBER ? m->num : -1);
}

/* Backend a's admin and weight as /status.json has them. */
static bool
json_a(const struct harness *h, const char *admin, bool admin_set,
    double weight, bool weight_set)
{
	struct json		*j = status_json(h);
	const struct json	*a = backend_of(j, "web", "a");
	bool			 ok;

	ok = a != NULL && is_string(a, "admin", admin) &&
	    is_bool(a, "admin_overridden", admin_set) &&
	    number(a, "weight") == weight &&
	    is_bool(a, "weight_overridden", weight_set);
	json_free(j);
	return (ok);
}

/* Exactly one of lbd_backend_admin_state{a} is 1: the one named. */
static bool
admin_metric_is(const struct harness *h, const char *state)
{
	const char	*names[] = { "up", "maint", "drain" };
	const char	*series[] = { ADMIN("up"), ADMIN("maint"),
			    ADMIN("drain") };

	for (int i = 0; i < 3; i++)
		if (harness_metric(h, series[i]) !=
		    (strcmp(names[i], state) == 0 ? 1 : 0))
			return (false);
	return (true);
}

static void
test_alarm(void)
{
	struct harness		*h = harness_new();
	struct json		*j;
	const struct json	*s, *b;
	struct httpc_resp	 r;
	const char		*banner, *table;

	harness_dead_backend(h, "x", 1);
	harness_dead_backend(h, "y", 1);
	harness_dead_backend(h, "z", 1);
	if (harness_start(h, HEALTH) == -1)
		CU_FAIL_FATAL("lbd did not start");
	/* Each has had a check by the time it has a reason to show. */
	for (int i = 0; i < 50; i++) {
		j = status_json(h);
		b = backend_of(j, "web", "z");
		if (b != NULL && is_string(b, "last_check", "connect refused"))
			break;
		json_free(j);
		j = NULL;
		harness_sleep_ms(100);
	}
	CU_ASSERT_FATAL(j != NULL);
	s = json_find(json_get(j, "services"), "name", "web");
	CU_ASSERT_EQUAL(number(s, "backends_up"), 0);
	CU_ASSERT_EQUAL(number(s, "backends_total"), 3);
	CU_ASSERT(is_bool(s, "alarm", true));
	CU_ASSERT(is_bool(j, "alarm", true));
	b = backend_of(j, "web", "x");
	CU_ASSERT(is_string(b, "last_check", "connect refused"));
	CU_ASSERT(number(b, "last_check_age_seconds") >= 0);
	CU_ASSERT(number(b, "state_age_seconds") >= 0);
	CU_ASSERT(is_string(b, "health", "down"));
	CU_ASSERT(is_string(b, "admin", "up"));
	json_free(j);
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/", &r), 0);
	banner = r.body != NULL ? strstr(r.body, "class=\"alarm\"") : NULL;
	table = r.body != NULL ? strstr(r.body, "<table") : NULL;
	CU_ASSERT(banner != NULL && table != NULL && banner < table);
	CU_ASSERT(banner != NULL && strstr(banner, "0/3") != NULL);
	httpc_resp_free(&r);
	harness_free(h);
}

/* An up service has no alarm, and the page no banner. */
static void
test_no_alarm(void)
{
	struct harness		*h;
	struct json		*j;
	struct httpc_resp	 r;
	const struct json	*s;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((j = status_json(h)) != NULL);
	s = json_find(json_get(j, "services"), "name", "web");
	CU_ASSERT_EQUAL(number(s, "backends_up"), 2);
	CU_ASSERT(is_bool(s, "alarm", false));
	CU_ASSERT(is_bool(j, "alarm", false));
	CU_ASSERT(is_string(backend_of(j, "web", "a"), "last_check",
	    "check passed"));
	json_free(j);
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/", &r), 0);
	CU_ASSERT(r.body != NULL && strstr(r.body, "class=\"alarm\"") ==
	    NULL);
	httpc_resp_free(&r);
	harness_free(h);
}

static void
test_drain(void)
{
	struct harness	*h;
	char		 out[4096];
	int		 fd, counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT((fd = harness_connect_to(h, "a")) != -1);
	CU_ASSERT(ctl(h, "drain web/a", out, sizeof(out)));
	CU_ASSERT(json_a(h, "drain", true, 1, false));
	CU_ASSERT(admin_metric_is(h, "drain"));
	CU_ASSERT(shows(h, "a", "drain*", "1"));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, 0), 1);
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 0);
	CU_ASSERT_EQUAL(counts[1], 10);
	CU_ASSERT(fd != -1 && harness_echo(fd, "still here\n"));
	if (fd != -1)
		close(fd);
	CU_ASSERT(ctl(h, "enable web/a", out, sizeof(out)));
	CU_ASSERT(json_a(h, "up", false, 1, false));
	CU_ASSERT(admin_metric_is(h, "up"));
	CU_ASSERT(shows(h, "a", "up", "1"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT(counts[0] >= 4 && counts[0] <= 6);
	harness_free(h);
}

static void
test_maint(void)
{
	struct harness	*h;
	char		 out[4096];
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT(ctl(h, "disable web/a", out, sizeof(out)));
	CU_ASSERT(json_a(h, "maint", true, 1, false));
	CU_ASSERT(admin_metric_is(h, "maint"));
	CU_ASSERT(shows(h, "a", "maint*", "1"));
	CU_ASSERT_EQUAL(harness_backend_metric(h, UP, 0), 1);
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT_EQUAL(counts[1], 6);
	/* Health goes on being told as it is; maint is no outage. */
	CU_ASSERT_EQUAL(harness_backend_stop(h, 0), 0);
	CU_ASSERT_EQUAL(harness_backend_metric_wait(h, UP, 0, 0, WAIT_MS), 0);
	CU_ASSERT(admin_metric_is(h, "maint"));
	CU_ASSERT(harness_log_wait(h, "admin=maint", WAIT_MS));
	CU_ASSERT(ctl(h, "enable web/a", out, sizeof(out)));
	CU_ASSERT(admin_metric_is(h, "up"));
	harness_free(h);
}

static void
test_weight_override(void)
{
	struct harness	*h;
	char		 out[4096];
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT(ctl(h, "set weight web/a 5", out, sizeof(out)));
	CU_ASSERT_EQUAL_FATAL(harness_hup(h), 0);
	CU_ASSERT(json_a(h, "up", false, 5, true));
	CU_ASSERT(shows(h, "a", "up", "5*"));
	CU_ASSERT_EQUAL(harness_tally(h, 12, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 10);
	/* The file changes a's weight: the file wins, the mark goes. */
	h->backends[0].weight = 2;
	CU_ASSERT_EQUAL_FATAL(harness_reload(h, HEALTH, NULL), 0);
	CU_ASSERT(json_a(h, "up", false, 2, false));
	CU_ASSERT(shows(h, "a", "up", "2"));
	counts[0] = counts[1] = 0;
	CU_ASSERT_EQUAL(harness_tally(h, 12, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 8);
	harness_free(h);
}

static void
test_admin_override(void)
{
	struct harness	*h;
	char		 out[4096];
	int		 counts[2] = { 0 };

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT(ctl(h, "disable web/a", out, sizeof(out)));
	CU_ASSERT_EQUAL_FATAL(harness_reload(h, HEALTH, NULL), 0);
	CU_ASSERT(json_a(h, "maint", true, 1, false));
	CU_ASSERT(shows(h, "a", "maint*", "1"));
	/* b's keys change, not a's: a keeps its maint. */
	harness_backend_opts(h, 1, "maxconn = 50;");
	CU_ASSERT_EQUAL_FATAL(harness_reload(h, HEALTH, NULL), 0);
	CU_ASSERT(json_a(h, "maint", true, 1, false));
	/* a's maxconn changes in the file: back to up. */
	harness_backend_opts(h, 0, "maxconn = 50;");
	CU_ASSERT_EQUAL_FATAL(harness_reload(h, HEALTH, NULL), 0);
	CU_ASSERT(json_a(h, "up", false, 1, false));
	CU_ASSERT(admin_metric_is(h, "up"));
	CU_ASSERT(harness_backend_metric_wait(h, UP, 0, 1, WAIT_MS) == 1);
	CU_ASSERT_EQUAL(harness_tally(h, 10, counts), 0);
	CU_ASSERT(counts[0] >= 4 && counts[0] <= 6);
	harness_free(h);
}

int
t_admin_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("admin", NULL, NULL)) == NULL ||
	    CU_add_test(s, "all backends down: alarm in JSON and on top",
	    test_alarm) == NULL ||
	    CU_add_test(s, "all up: no alarm", test_no_alarm) == NULL ||
	    CU_add_test(s, "drain: open ones go on, new ones elsewhere",
	    test_drain) == NULL ||
	    CU_add_test(s, "maint: lbd_backend_up is health only",
	    test_maint) == NULL ||
	    CU_add_test(s, "set weight kept on reload until the file changes",
	    test_weight_override) == NULL ||
	    CU_add_test(s, "disable kept on reload until the file changes",
	    test_admin_override) == NULL)
		return (-1);
	return (0);
}
