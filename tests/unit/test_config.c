/*
 * config_load(): the files under tests/configs (each good file loads, each
 * bad file fails with the error its "# expect: LINE: message" header
 * names), then focused checks of defaults, values and error reporting on
 * small files written to /tmp.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "lbd_limits.h"
#include "net.h"
#include "unit.h"

/* A service with one backend, for tests that only vary one part. */
#define ONE_SERVICE(extra)						\
	"services = ( { name = \"web\"; listen = \"127.0.0.1:18080\";\n" \
	extra								\
	"backends = ( { address = \"127.0.0.1:19001\"; } ); } );\n"

/*
 * The directory holding good/ and bad/: $LBD_TESTS_DIR/configs or
 * $LBD_TESTS_DIR itself when set, else tests/configs under the current
 * directory (the runner runs from the top of the tree).
 */
static const char *
configs_dir(void)
{
	static char	 dir[PATH_MAX];
	const char	*env = getenv("LBD_TESTS_DIR");
	struct stat	 st;

	if (env == NULL || *env == '\0')
		return ("tests/configs");
	snprintf(dir, sizeof(dir), "%s/configs", env);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return (dir);
	return (env);
}

static int
is_conf(const struct dirent *d)
{
	size_t	n = strlen(d->d_name);

	return (n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0);
}

/* Sorted *.conf names in configs_dir()/sub; the count, or -1. */
static int
list_confs(const char *sub, char *dir, size_t dirlen, struct dirent ***names)
{
	int	n;

	snprintf(dir, dirlen, "%s/%s", configs_dir(), sub);
	if ((n = scandir(dir, names, is_conf, alphasort)) == -1)
		fprintf(stderr, "\ncannot read %s: run from the top of the "
		    "tree or set LBD_TESTS_DIR\n", dir);
	return (n);
}

static void
free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * libconfig finds an included file from the current directory, so the
 * walks load each file from within its own directory: a case's
 * "@include "include/x.conf"" then works wherever the tests run from.
 * Returns the directory to come back to, or -1.
 */
static int
enter_dir(const char *dir)
{
	int	back;

	if ((back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (chdir(dir) == -1) {
		close(back);
		return (-1);
	}
	return (back);
}

static void
leave_dir(int back)
{
	CU_ASSERT_EQUAL(fchdir(back), 0);
	close(back);
}

static unsigned
count_lines(const char *s)
{
	unsigned	n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return (n);
}

/*
 * True when err holds a line that starts "PATH:LINE: " and goes on to
 * contain msg.
 */
static bool
has_error(const char *err, const char *path, unsigned line, const char *msg)
{
	char		 prefix[PATH_MAX + 32];
	const char	*at, *eol;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	for (at = err; (at = strstr(at, prefix)) != NULL; at = eol) {
		eol = strchr(at, '\n');
		if (eol == NULL)
			eol = at + strlen(at);
		if (at != err && at[-1] != '\n')
			continue;
		if (memmem(at, eol - at, msg, strlen(msg)) != NULL)
			return (true);
	}
	return (false);
}

/* Write text to a new file under /tmp; path gets its name.  0 or -1. */
static int
write_temp(const char *text, char *path, size_t len)
{
	size_t	n = strlen(text);
	int	fd;

	snprintf(path, len, "/tmp/lbd-test-config.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return (-1);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return (-1);
	}
	close(fd);
	return (0);
}

/* config_load() on text; path keeps the (removed) file's name. */
static struct config *
load_text(const char *text, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	struct config	*conf;

	if (write_temp(text, path, pathlen) == -1) {
		CU_FAIL("cannot write a temporary file");
		return (NULL);
	}
	conf = config_load(path, err, errlen);
	unlink(path);
	return (conf);
}

/*
 * A configuration of that many services with per backends each, one
 * service to a line after "services = (" on line 1; NULL when out of
 * memory.
 */
static char *
many_backends(int services, int per)
{
	size_t	 cap = (size_t)services * per * 64 + 4096, len;
	char	*text = malloc(cap);
	int	 port = 20000;

	if (text == NULL)
		return (NULL);
	len = (size_t)snprintf(text, cap, "services = (\n");
	for (int i = 0; i < services; i++) {
		len += (size_t)snprintf(text + len, cap - len, "%s{ name = "
		    "\"s%d\"; listen = \"127.0.0.1:%d\"; backends = (",
		    i > 0 ? "," : "", i, 18000 + i);
		for (int j = 0; j < per; j++)
			len += (size_t)snprintf(text + len, cap - len,
			    "%s{ address = \"127.0.0.1:%d\"; }",
			    j > 0 ? "," : "", port++);
		len += (size_t)snprintf(text + len, cap - len, "); }\n");
	}
	snprintf(text + len, cap - len, ");\n");
	return (text);
}

/* The shared region bounds the backends of all services together. */
static void
test_backends_all(void)
{
	char		 path[PATH_MAX], err[LBD_ERRLEN], *text;
	struct config	*conf;

	/* 4 x 256 = 1024: the most there may be. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(text = many_backends(4, 256));
	conf = load_text(text, path, sizeof(path), err, sizeof(err));
	free(text);
	CU_ASSERT_PTR_NOT_NULL(conf);
	config_free(conf);
	/* 5 x 205 = 1025: one too many, named at the services list. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(text = many_backends(5, 205));
	conf = load_text(text, path, sizeof(path), err, sizeof(err));
	free(text);
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	CU_ASSERT(has_error(err, path, 1, "too many backends in all "
	    "services: 1025, at most 1024"));
	CU_ASSERT_EQUAL(count_lines(err), 1);
}

/*
 * Check the warnings of good file path: err holds exactly one line for
 * each "# expect-warning: LINE: message" line at the head of the file,
 * and nothing when there is none.
 */
static void
check_warnings(const char *path, const char *err)
{
	FILE		*f;
	char		 buf[1024];
	unsigned	 line, n = 0;
	int		 off;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(path, "r"));
	while (fgets(buf, sizeof(buf), f) != NULL &&
	    strncmp(buf, "# expect-warning: ", 18) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		off = 0;
		CU_ASSERT_EQUAL(sscanf(buf + 18, "%u: %n", &line, &off), 1);
		CU_ASSERT(has_error(err, path, line, buf + 18 + off));
		if (!has_error(err, path, line, buf + 18 + off))
			fprintf(stderr, "\n%s: expected %s\ngot:\n%s", path,
			    buf + 18, err);
		n++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(count_lines(err), n);
	if (count_lines(err) != n)
		fprintf(stderr, "\n%s: expected %u warnings, got:\n%s", path,
		    n, err);
}

static void
test_good_files(void)
{
	struct dirent	**names;
	char		  dir[PATH_MAX], err[LBD_ERRLEN];
	struct config	 *conf;
	int		  n, back;

	n = list_confs("good", dir, sizeof(dir), &names);
	CU_ASSERT_FATAL(n >= 5);
	CU_ASSERT_FATAL((back = enter_dir(dir)) != -1);
	for (int i = 0; i < n; i++) {
		strcpy(err, "untouched");
		conf = config_load(names[i]->d_name, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL(conf);
		if (conf == NULL)
			fprintf(stderr, "\n%s/%s should load:\n%s", dir,
			    names[i]->d_name, err);
		else {
			CU_ASSERT(conf->nservices >= 1);
			check_warnings(names[i]->d_name, err);
		}
		config_free(conf);
	}
	leave_dir(back);
	free_names(names, n);
}

/*
 * Read "# expect: LINE: message" from the first line of path, or
 * "# expect: FILE:LINE: message" for an error in a file it includes
 * (file is left alone in the first form).
 */
static int
read_expect(const char *path, char *file, size_t filelen, unsigned *line,
    char *msg, size_t msglen)
{
	FILE	*f;
	char	 buf[1024], *at;
	int	 off = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, "# expect: ", 10) != 0)
		return (-1);
	at = buf + 10;
	if (!isdigit((unsigned char)*at)) {
		snprintf(file, filelen, "%.*s", (int)strcspn(at, ":"), at);
		at += strcspn(at, ":");
		at += *at == ':';
	}
	if (sscanf(at, "%u: %n", line, &off) != 1 || off == 0 ||
	    at[off] == '\0')
		return (-1);
	snprintf(msg, msglen, "%s", at + off);
	return (0);
}

/* One bad file: it fails, with exactly the one error its header names. */
static void
check_bad_file(const char *path)
{
	char		 err[LBD_ERRLEN], msg[1024], file[PATH_MAX];
	unsigned	 line;
	struct config	*conf;

	snprintf(file, sizeof(file), "%s", path);
	if (read_expect(path, file, sizeof(file), &line, msg,
	    sizeof(msg)) == -1) {
		CU_FAIL("bad file without a \"# expect: LINE: message\" line");
		fprintf(stderr, "\n%s: no expect line\n", path);
		return;
	}
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	CU_ASSERT(has_error(err, file, line, msg));
	CU_ASSERT_EQUAL(count_lines(err), 1);
	if (!has_error(err, file, line, msg) || count_lines(err) != 1)
		fprintf(stderr, "\n%s: expected only %s:%u: %s\ngot:\n%s",
		    path, file, line, msg, err);
}

static void
test_bad_files(void)
{
	struct dirent	**names;
	char		  dir[PATH_MAX];
	int		  n, back;

	n = list_confs("bad", dir, sizeof(dir), &names);
	CU_ASSERT_FATAL(n >= 20);
	CU_ASSERT_FATAL((back = enter_dir(dir)) != -1);
	for (int i = 0; i < n; i++)
		check_bad_file(names[i]->d_name);
	leave_dir(back);
	free_names(names, n);
}

static unsigned
default_workers(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n < 1 ? 1 : n > LBD_MAX_WORKERS ? LBD_MAX_WORKERS :
	    (unsigned)n);
}

static void
test_defaults(void)
{
	char				 path[PATH_MAX], err[LBD_ERRLEN];
	struct config			*c;
	const struct service_config	*s;
	const struct backend_config	*b;

	c = load_text(ONE_SERVICE(""), path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->path, path);
	CU_ASSERT_EQUAL(c->workers, default_workers());
	CU_ASSERT_EQUAL(c->maxconn, 10000);
	CU_ASSERT_STRING_EQUAL(c->pidfile, "/run/lbd.pid");
	CU_ASSERT_EQUAL(c->shutdown_timeout_ms, 30000);
	CU_ASSERT_EQUAL(c->log.level, LOG_INFO);
	CU_ASSERT_EQUAL(c->log.facility, LOG_DAEMON);
	CU_ASSERT_FALSE(c->log.access);
	CU_ASSERT_FALSE(c->has_stats);
	CU_ASSERT_EQUAL_FATAL(c->nservices, 1);
	s = &c->services[0];
	CU_ASSERT_EQUAL(s->mode, MODE_TCP);
	CU_ASSERT_EQUAL(s->balance, BALANCE_ROUNDROBIN);
	CU_ASSERT_EQUAL(s->retries, 2);
	CU_ASSERT_EQUAL(s->timeouts.connect_ms, 5000);
	CU_ASSERT_EQUAL(s->timeouts.client_ms, 60000);
	CU_ASSERT_EQUAL(s->timeouts.server_ms, 60000);
	CU_ASSERT_EQUAL(s->timeouts.queue_ms, 5000);
	CU_ASSERT_EQUAL_FATAL(s->nbackends, 1);
	b = &s->backends[0];
	CU_ASSERT_STRING_EQUAL(b->name, "127.0.0.1:19001");
	CU_ASSERT_STRING_EQUAL(b->address, "127.0.0.1:19001");
	CU_ASSERT_EQUAL(b->weight, 1);
	CU_ASSERT_EQUAL(b->maxconn, 0);
	CU_ASSERT_FALSE(b->backup);
	config_free(c);
}

/*
 * The health defaults but for the type.  Without a group the type is none
 * and passive checks still run; a group without a type checks with tcp.
 */
static void
assert_health_defaults(const struct health_config *h)
{
	CU_ASSERT_EQUAL(h->interval_ms, 2000);
	CU_ASSERT_EQUAL(h->timeout_ms, 1000);
	CU_ASSERT_EQUAL(h->rise, 2);
	CU_ASSERT_EQUAL(h->fall, 3);
	CU_ASSERT_STRING_EQUAL(h->path, "/");
	CU_ASSERT_EQUAL(h->expect_min, 200);
	CU_ASSERT_EQUAL(h->expect_max, 399);
	CU_ASSERT_EQUAL(h->max_fails, 3);
	CU_ASSERT_EQUAL(h->fail_timeout_ms, 10000);
	CU_ASSERT_EQUAL(h->slowstart_ms, 0);
}

/* Load a service whose health group is body; NULL on any error. */
static struct config *
load_health(const char *body, char *err, size_t errlen)
{
	char	text[1024], path[PATH_MAX];

	snprintf(text, sizeof(text), "services = ( { name = \"web\"; "
	    "listen = \"127.0.0.1:18080\";\nhealth = { %s };\nbackends = "
	    "( { address = \"127.0.0.1:19001\"; } ); } );\n", body);
	return (load_text(text, path, sizeof(path), err, errlen));
}

static void
test_health_defaults(void)
{
	char		 path[PATH_MAX], err[LBD_ERRLEN];
	struct config	*c;

	c = load_text(ONE_SERVICE(""), path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->services[0].health.type, HEALTH_NONE);
	assert_health_defaults(&c->services[0].health);
	config_free(c);
	c = load_health("", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->services[0].health.type, HEALTH_TCP);
	assert_health_defaults(&c->services[0].health);
	config_free(c);
	c = load_health("type = \"http\";", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->services[0].health.type, HEALTH_HTTP);
	assert_health_defaults(&c->services[0].health);
	config_free(c);
	/* A default timeout longer than the interval shrinks to it. */
	c = load_health("interval = \"300ms\";", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->services[0].health.interval_ms, 300);
	CU_ASSERT_EQUAL(c->services[0].health.timeout_ms, 300);
	config_free(c);
}

static void
test_health_values(void)
{
	char				 err[LBD_ERRLEN];
	struct config			*c;
	const struct health_config	*h;

	c = load_health("type = \"http\"; interval = \"3s\"; timeout = 3000; "
	    "rise = 1; fall = 100; path = \"/healthz?deep=1\"; "
	    "expect = \"204-308\"; max_fails = 0; fail_timeout = \"1m\"; "
	    "slowstart = \"45s\";", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	h = &c->services[0].health;
	CU_ASSERT_EQUAL(h->type, HEALTH_HTTP);
	CU_ASSERT_EQUAL(h->interval_ms, 3000);
	CU_ASSERT_EQUAL(h->timeout_ms, 3000);
	CU_ASSERT_EQUAL(h->rise, 1);
	CU_ASSERT_EQUAL(h->fall, 100);
	CU_ASSERT_STRING_EQUAL(h->path, "/healthz?deep=1");
	CU_ASSERT_EQUAL(h->expect_min, 204);
	CU_ASSERT_EQUAL(h->expect_max, 308);
	CU_ASSERT_EQUAL(h->max_fails, 0);
	CU_ASSERT_EQUAL(h->fail_timeout_ms, 60000);
	CU_ASSERT_EQUAL(h->slowstart_ms, 45000);
	config_free(c);
}

/* "expect" as one code, a string or an integer, gives min = max. */
static void
test_health_expect(void)
{
	static const struct {
		const char	*text;
		unsigned	 min, max;
	} cases[] = {
		{ "\"200\"", 200, 200 }, { "503", 503, 503 },
		{ "\"100-599\"", 100, 599 }, { "\"301-301\"", 301, 301 },
		{ "\"0200-0299\"", 200, 299 }
	};
	char		 body[128], err[LBD_ERRLEN];
	struct config	*c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "type = \"http\"; expect = %s;",
		    cases[i].text);
		c = load_health(body, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL(c);
		if (c == NULL) {
			fprintf(stderr, "\n%s", err);
			continue;
		}
		CU_ASSERT_EQUAL(c->services[0].health.expect_min,
		    cases[i].min);
		CU_ASSERT_EQUAL(c->services[0].health.expect_max,
		    cases[i].max);
		config_free(c);
	}
}

/* Every mistake in a health group is reported, each once. */
static void
test_health_errors(void)
{
	char		 err[LBD_ERRLEN];
	struct config	*c;

	c = load_health("type = \"tcp\"; path = \"x\"; expect = \"9\"; "
	    "rise = 0; timeout = \"5s\"; slowstart = -1; wat = 1;", err,
	    sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	config_free(c);
	CU_ASSERT_EQUAL(count_lines(err), 6);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": path is only for type = "
	    "\"http\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": expect is only for type = "
	    "\"http\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": \"rise\" must be between"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": \"timeout\" must not exceed "
	    "\"interval\" (2000 ms), not 5000 ms\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": \"slowstart\" must not be "
	    "negative\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": unknown key \"wat\" in "
	    "health\n"));
	/* A bad type hides path and expect, which it would decide. */
	c = load_health("type = \"udp\"; path = \"/x\";", err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(count_lines(err), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": unknown health type \"udp\""));
}

static void
test_balance_methods(void)
{
	static const char *const names[] = {
		"roundrobin", "leastconn", "leasttime", "random", "source"
	};
	static const enum balance_method methods[] = {
		BALANCE_ROUNDROBIN, BALANCE_LEASTCONN, BALANCE_LEASTTIME,
		BALANCE_RANDOM, BALANCE_SOURCE
	};
	char		 text[512], path[PATH_MAX], err[LBD_ERRLEN];
	struct config	*c;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), ONE_SERVICE("balance = \"%s\";"),
		    names[i]);
		c = load_text(text, path, sizeof(path), err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL(c);
		if (c == NULL)
			continue;
		CU_ASSERT_EQUAL(c->services[0].balance, methods[i]);
		CU_ASSERT_STRING_EQUAL(config_balance_name(methods[i]),
		    names[i]);
		config_free(c);
	}
}

/* Check that text parsed into addr equals the address expected. */
static void
assert_addr(const struct net_addr *addr, const char *expected)
{
	struct net_addr	want;
	char		err[256];

	CU_ASSERT_EQUAL_FATAL(net_addr_parse(expected, &want, err,
	    sizeof(err)), 0);
	CU_ASSERT(net_addr_equal(addr, &want));
}

static const char full_text[] =
	"workers = 3; maxconn = 5000; pidfile = \"/tmp/x.pid\";\n"
	"shutdown_timeout = \"10s\";\n"
	"log = { level = \"debug\"; facility = \"local3\"; access = true; };\n"
	"stats = { listen = \"127.0.0.1:19100\"; };\n"
	"services = ( { name = \"web\"; listen = \"127.0.0.1:18080\";\n"
	"  mode = \"tcp\"; balance = \"roundrobin\"; retries = 7;\n"
	"  timeouts = { connect = \"2s\"; client = \"1m\"; server = 90000;\n"
	"    queue = \"500ms\"; };\n"
	"  backends = ( { name = \"a\"; address = \"127.0.0.1:19001\";\n"
	"    weight = 3; maxconn = 100; backup = true; },\n"
	"    { name = \"b\"; address = \"127.0.0.1:19002\"; } ); } );\n";

static void
test_explicit_values(void)
{
	char				 path[PATH_MAX], err[LBD_ERRLEN];
	struct config			*c;
	const struct service_config	*s;

	c = load_text(full_text, path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->workers, 3);
	CU_ASSERT_EQUAL(c->maxconn, 5000);
	CU_ASSERT_STRING_EQUAL(c->pidfile, "/tmp/x.pid");
	CU_ASSERT_EQUAL(c->shutdown_timeout_ms, 10000);
	CU_ASSERT_EQUAL(c->log.level, LOG_DEBUG);
	CU_ASSERT_EQUAL(c->log.facility, LOG_LOCAL3);
	CU_ASSERT_TRUE(c->log.access);
	CU_ASSERT_TRUE(c->has_stats);
	CU_ASSERT_STRING_EQUAL(c->stats_text, "127.0.0.1:19100");
	assert_addr(&c->stats_listen, "127.0.0.1:19100");
	s = &c->services[0];
	CU_ASSERT_EQUAL(s->retries, 7);
	CU_ASSERT_EQUAL(s->timeouts.connect_ms, 2000);
	CU_ASSERT_EQUAL(s->timeouts.client_ms, 60000);
	CU_ASSERT_EQUAL(s->timeouts.server_ms, 90000);
	CU_ASSERT_EQUAL(s->timeouts.queue_ms, 500);
	CU_ASSERT_EQUAL_FATAL(s->nbackends, 2);
	CU_ASSERT_STRING_EQUAL(s->backends[0].name, "a");
	assert_addr(&s->backends[0].addr, "127.0.0.1:19001");
	CU_ASSERT_EQUAL(s->backends[0].weight, 3);
	CU_ASSERT_EQUAL(s->backends[0].maxconn, 100);
	CU_ASSERT_TRUE(s->backends[0].backup);
	CU_ASSERT_STRING_EQUAL(s->backends[1].name, "b");
	CU_ASSERT_EQUAL(s->backends[1].weight, 1);
	CU_ASSERT_FALSE(s->backends[1].backup);
	config_free(c);
}

/* Load a service whose timeouts group is body; NULL on any error. */
static struct config *
load_timeouts(const char *body)
{
	char	text[1024], path[PATH_MAX], err[LBD_ERRLEN];

	snprintf(text, sizeof(text), "services = ( { name = \"web\"; "
	    "listen = \"127.0.0.1:18080\";\ntimeouts = { %s };\nbackends = "
	    "( { address = \"127.0.0.1:19001\"; } ); } );\n", body);
	return (load_text(text, path, sizeof(path), err, sizeof(err)));
}

static void
test_durations(void)
{
	static const struct {
		const char	*text;
		uint64_t	 ms;
	} cases[] = {
		{ "\"250ms\"", 250 }, { "\"2s\"", 2000 }, { "\"1m\"", 60000 },
		{ "\"1h\"", 3600000 }, { "\"750\"", 750 }, { "1500", 1500 },
		{ "1", 1 }, { "5000000000L", 5000000000ULL },
		{ "\"90s\"", 90000 }
	};
	char		 body[128];
	struct config	*c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "connect = %s;", cases[i].text);
		c = load_timeouts(body);
		CU_ASSERT_PTR_NOT_NULL(c);
		if (c == NULL)
			continue;
		CU_ASSERT_EQUAL(c->services[0].timeouts.connect_ms,
		    cases[i].ms);
		/* queue follows connect unless given */
		CU_ASSERT_EQUAL(c->services[0].timeouts.queue_ms, cases[i].ms);
		config_free(c);
	}
	c = load_timeouts("connect = \"3s\"; queue = \"1s\";");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->services[0].timeouts.connect_ms, 3000);
	CU_ASSERT_EQUAL(c->services[0].timeouts.queue_ms, 1000);
	config_free(c);
}

static void
test_listen_forms(void)
{
	char				 path[PATH_MAX], err[LBD_ERRLEN];
	struct config			*c;
	const struct service_config	*s;

	c = load_text("services = (\n"
	    "{ name = \"one\"; listen = \"127.0.0.1:18080\";\n"
	    "  backends = ( { address = \"127.0.0.1:19001\"; } ); },\n"
	    "{ name = \"arr\"; listen = [ \"127.0.0.1:18081\", "
	    "\"[::1]:18081\", \"*:18082\" ];\n"
	    "  backends = ( { address = \"127.0.0.1:19001\"; } ); },\n"
	    "{ name = \"lst\"; listen = ( \"127.0.0.1:18083\" );\n"
	    "  backends = ( { address = \"127.0.0.1:19001\"; } ); } );\n",
	    path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(c->nservices, 3);
	s = &c->services[0];
	CU_ASSERT_EQUAL(s->nlisten, 1);
	CU_ASSERT_STRING_EQUAL(s->listen_text[0], "127.0.0.1:18080");
	assert_addr(&s->listen[0], "127.0.0.1:18080");
	s = &c->services[1];
	CU_ASSERT_EQUAL_FATAL(s->nlisten, 3);
	CU_ASSERT_STRING_EQUAL(s->listen_text[1], "[::1]:18081");
	assert_addr(&s->listen[1], "[::1]:18081");
	CU_ASSERT_STRING_EQUAL(s->listen_text[2], "*:18082");
	assert_addr(&s->listen[2], "0.0.0.0:18082");
	CU_ASSERT_EQUAL(c->services[2].nlisten, 1);
	CU_ASSERT_STRING_EQUAL(c->services[2].listen_text[0],
	    "127.0.0.1:18083");
	config_free(c);
}

/* Three mistakes in one file give three lines, each at its own line. */
static void
test_all_errors_reported(void)
{
	char		 path[PATH_MAX], err[LBD_ERRLEN];
	struct config	*c;

	c = load_text("workers = 0;\n"
	    "services = (\n"
	    "  { name = \"web\";\n"
	    "    listen = \"127.0.0.1:18080\";\n"
	    "    retries = 99;\n"
	    "    backends = ( { address = \"127.0.0.1:19001\";\n"
	    "      wieght = 1; } ); } );\n",
	    path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	config_free(c);
	CU_ASSERT_EQUAL(count_lines(err), 3);
	CU_ASSERT(has_error(err, path, 1, "\"workers\" must be between 1 "
	    "and 64, not 0"));
	CU_ASSERT(has_error(err, path, 5, "\"retries\" must be between 0 "
	    "and 16, not 99"));
	CU_ASSERT(has_error(err, path, 7, "unknown key \"wieght\" in "
	    "backend"));
}

static void
test_missing_file(void)
{
	const char	*path = "/nonexistent-lbd-dir/lbd.conf";
	char		 err[LBD_ERRLEN];

	CU_ASSERT_PTR_NULL(config_load(path, err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent-lbd-dir/lbd.conf: cannot "
	    "read the file: No such file or directory\n");
}

/* A small buffer truncates safely; no buffer at all still fails. */
static void
test_error_buffer_limits(void)
{
	char		 path[PATH_MAX], err[48];
	const char	*text = "workers = 0; maxconn = 0; retries = 1;\n";

	memset(err, 'x', sizeof(err));
	CU_ASSERT_PTR_NULL(load_text(text, path, sizeof(path), err,
	    sizeof(err)));
	CU_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_PTR_NULL(load_text(text, path, sizeof(path), NULL, 0));
	CU_ASSERT_PTR_NULL(load_text(ONE_SERVICE("retries = 99;"), path,
	    sizeof(path), err, 1));
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* Text with n services, each on its own port, with nb backends each. */
static char *
many_text(int n, int nb)
{
	size_t	 len = 64 + (size_t)n * (128 + (size_t)nb * 48);
	char	*text = malloc(len), *at = text;

	if (text == NULL)
		return (NULL);
	at += sprintf(at, "services = (\n");
	for (int i = 0; i < n; i++) {
		at += sprintf(at, "%s{ name = \"s%d\"; listen = "
		    "\"127.0.0.1:%d\"; backends = (", i > 0 ? "," : "", i,
		    20000 + i);
		for (int j = 0; j < nb; j++)
			at += sprintf(at, "%s{ address = \"127.0.0.1:%d\"; }",
			    j > 0 ? "," : "", 30000 + j);
		at += sprintf(at, " ); }\n");
	}
	sprintf(at, ");\n");
	return (text);
}

/* Load many_text(n, nb); true when it loads, else err holds why. */
static bool
loads_many(int n, int nb, char *err, size_t errlen)
{
	char		 path[PATH_MAX];
	char		*text = many_text(n, nb);
	struct config	*c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	c = load_text(text, path, sizeof(path), err, errlen);
	free(text);
	if (c != NULL && ((int)c->nservices != n ||
	    (int)c->services[n - 1].nbackends != nb))
		CU_FAIL("wrong number of services or backends");
	config_free(c);
	return (c != NULL);
}

static void
test_limits(void)
{
	char	err[LBD_ERRLEN];

	CU_ASSERT_TRUE(loads_many(LBD_MAX_SERVICES, 1, err, sizeof(err)));
	CU_ASSERT_FALSE(loads_many(LBD_MAX_SERVICES + 1, 1, err,
	    sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": too many services: 65, at "
	    "most 64\n"));
	CU_ASSERT_EQUAL(count_lines(err), 1);
	CU_ASSERT_TRUE(loads_many(1, LBD_MAX_BACKENDS, err, sizeof(err)));
	CU_ASSERT_FALSE(loads_many(1, LBD_MAX_BACKENDS + 1, err,
	    sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": too many backends: 257, at "
	    "most 256\n"));
}

/*
 * A defaulted name must fit LBD_NAMELEN, so a long address needs a name.
 * The host does not resolve either: both errors are reported.
 */
static void
test_long_address_needs_name(void)
{
	char		 path[PATH_MAX], err[LBD_ERRLEN];
	struct config	*c;

	c = load_text("services = ( { name = \"web\"; listen = "
	    "\"127.0.0.1:18080\";\nbackends = (\n{ address = "
	    "\"a-long-host-name-that-does-not-resolve-anywhere-at-all"
	    ".invalid:80\"; } ); } );\n", path, sizeof(path), err,
	    sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	config_free(c);
	CU_ASSERT(has_error(err, path, 3, "cannot resolve host"));
	CU_ASSERT(has_error(err, path, 3, "address too long to name the "
	    "backend: give it a \"name\""));
	CU_ASSERT_EQUAL(count_lines(err), 2);
}

static void
test_find_and_names(void)
{
	char		 path[PATH_MAX], err[LBD_ERRLEN];
	struct config	*c;

	c = load_text(full_text, path, sizeof(path), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_EQUAL(config_find_service(c, "web"), &c->services[0]);
	CU_ASSERT_PTR_NULL(config_find_service(c, "nope"));
	CU_ASSERT_PTR_NULL(config_find_service(c, ""));
	config_free(c);
	config_free(NULL);
	CU_ASSERT_STRING_EQUAL(config_balance_name(BALANCE_ROUNDROBIN),
	    "roundrobin");
	CU_ASSERT_STRING_EQUAL(config_balance_name(BALANCE_LEASTCONN),
	    "leastconn");
	CU_ASSERT_STRING_EQUAL(config_balance_name(BALANCE_LEASTTIME),
	    "leasttime");
	CU_ASSERT_STRING_EQUAL(config_balance_name(BALANCE_RANDOM), "random");
	CU_ASSERT_STRING_EQUAL(config_balance_name(BALANCE_SOURCE), "source");
	CU_ASSERT_STRING_EQUAL(config_mode_name(MODE_TCP), "tcp");
	CU_ASSERT_STRING_EQUAL(config_mode_name(MODE_HTTP), "http");
	CU_ASSERT_STRING_EQUAL(config_health_name(HEALTH_NONE), "none");
	CU_ASSERT_STRING_EQUAL(config_health_name(HEALTH_TCP), "tcp");
	CU_ASSERT_STRING_EQUAL(config_health_name(HEALTH_HTTP), "http");
	CU_ASSERT_STRING_EQUAL(config_health_name((enum health_type)3),
	    "unknown");
}

/* etc/lbd.conf loads; etc/demo.conf is what "make demo" relies on. */
static void
test_example_files(void)
{
	char				 path[PATH_MAX], err[LBD_ERRLEN];
	struct config			*c;
	const struct service_config	*s;

	snprintf(path, sizeof(path), "%s/../../etc/lbd.conf", configs_dir());
	c = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(c);
	if (c == NULL)
		fprintf(stderr, "\n%s should load:\n%s", path, err);
	config_free(c);
	snprintf(path, sizeof(path), "%s/../../etc/demo.conf", configs_dir());
	c = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->workers, 2);
	/* Two descriptors each fit a login shell's ulimit -n of 4096. */
	CU_ASSERT(c->maxconn <= 1000);
	CU_ASSERT_STRING_EQUAL(c->pidfile, "");
	CU_ASSERT_STRING_EQUAL(c->stats_text, "127.0.0.1:9100");
	CU_ASSERT_EQUAL_FATAL(c->nservices, 1);
	s = config_find_service(c, "demo");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->listen_text[0], "127.0.0.1:8080");
	CU_ASSERT_EQUAL(s->balance, BALANCE_ROUNDROBIN);
	CU_ASSERT_EQUAL_FATAL(s->nbackends, 3);
	for (size_t i = 0; i < 3; i++) {
		char	name[2] = { (char)('a' + i), '\0' }, addr[32];

		snprintf(addr, sizeof(addr), "127.0.0.1:%zu", 9001 + i);
		CU_ASSERT_STRING_EQUAL(s->backends[i].name, name);
		CU_ASSERT_STRING_EQUAL(s->backends[i].address, addr);
	}
	config_free(c);
}

/*
 * etc/lbd.conf says its values are the defaults unless marked as
 * examples: compare each with what a file without the key gives.
 */
static void
test_example_defaults(void)
{
	char				 path[PATH_MAX], tmp[PATH_MAX];
	char				 err[LBD_ERRLEN];
	struct config			*ex, *def;
	const struct service_config	*e, *d;

	snprintf(path, sizeof(path), "%s/../../etc/lbd.conf", configs_dir());
	ex = config_load(path, err, sizeof(err));
	def = load_text(ONE_SERVICE("health = { type = \"http\"; };"), tmp,
	    sizeof(tmp), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
	CU_ASSERT_PTR_NOT_NULL_FATAL(def);
	CU_ASSERT_EQUAL(ex->workers, def->workers);
	CU_ASSERT_EQUAL(ex->maxconn, def->maxconn);
	CU_ASSERT_STRING_EQUAL(ex->pidfile, def->pidfile);
	CU_ASSERT_EQUAL(ex->shutdown_timeout_ms, def->shutdown_timeout_ms);
	CU_ASSERT_EQUAL(memcmp(&ex->log, &def->log, sizeof(ex->log)), 0);
	e = &ex->services[0];
	d = &def->services[0];
	CU_ASSERT_EQUAL(e->mode, d->mode);
	CU_ASSERT_EQUAL(e->balance, d->balance);
	CU_ASSERT_EQUAL(e->retries, d->retries);
	CU_ASSERT_EQUAL(memcmp(&e->timeouts, &d->timeouts,
	    sizeof(e->timeouts)), 0);
	CU_ASSERT_EQUAL(memcmp(&e->health, &d->health, sizeof(e->health)), 0);
	CU_ASSERT_EQUAL(e->backends[0].weight, d->backends[0].weight);
	CU_ASSERT_EQUAL(e->backends[0].maxconn, d->backends[0].maxconn);
	CU_ASSERT_EQUAL(e->backends[0].backup, d->backends[0].backup);
	config_free(ex);
	config_free(def);
}

/* Keys documented in lbd.conf(5): lines ".It Cm KEY No = ...". */
static size_t
documented_keys(char keys[][LBD_NAMELEN], size_t max)
{
	char	line[512], key[LBD_NAMELEN];
	FILE	*f;
	size_t	n = 0;

	if ((f = fopen("man/lbd.conf.5", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL && n < max)
		if (sscanf(line, ".It Cm %63s No =", key) == 1 &&
		    strstr(line, " No =") != NULL)
			snprintf(keys[n++], LBD_NAMELEN, "%s", key);
	fclose(f);
	return (n);
}

static bool
in_list(const char *key, char keys[][LBD_NAMELEN], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return (true);
	return (false);
}

/* The parser and the manual name the same keys, both ways. */
static void
test_keys_documented(void)
{
	static char		 doc[256][LBD_NAMELEN];
	char			 code[128][LBD_NAMELEN];
	const char *const	*keys = config_keys();
	size_t			 ndoc, ncode = 0;

	ndoc = documented_keys(doc, 256);
	CU_ASSERT_FATAL(ndoc > 20);
	for (size_t i = 0; keys[i] != NULL; i++) {
		snprintf(code[ncode++], LBD_NAMELEN, "%s", keys[i]);
		if (!in_list(keys[i], doc, ndoc)) {
			fprintf(stderr, "\nkey \"%s\" is not in lbd.conf.5",
			    keys[i]);
			CU_FAIL("a key the parser accepts is undocumented");
		}
	}
	for (size_t i = 0; i < ndoc; i++)
		if (!in_list(doc[i], code, ncode)) {
			fprintf(stderr, "\nlbd.conf.5 documents \"%s\", which "
			    "the parser rejects", doc[i]);
			CU_FAIL("a documented key is unknown to the parser");
		}
}

int
test_config_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("config", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "good files load", test_good_files) == NULL ||
	    CU_add_test(s, "bad files fail as expected", test_bad_files) ==
	    NULL ||
	    CU_add_test(s, "defaults", test_defaults) == NULL ||
	    CU_add_test(s, "at most 1024 backends in all services",
	    test_backends_all) == NULL ||
	    CU_add_test(s, "health defaults", test_health_defaults) == NULL ||
	    CU_add_test(s, "health values", test_health_values) == NULL ||
	    CU_add_test(s, "health expect", test_health_expect) == NULL ||
	    CU_add_test(s, "health errors", test_health_errors) == NULL ||
	    CU_add_test(s, "balance methods", test_balance_methods) == NULL ||
	    CU_add_test(s, "explicit values", test_explicit_values) == NULL ||
	    CU_add_test(s, "durations", test_durations) == NULL ||
	    CU_add_test(s, "listen forms", test_listen_forms) == NULL ||
	    CU_add_test(s, "all errors reported",
	    test_all_errors_reported) == NULL ||
	    CU_add_test(s, "missing file", test_missing_file) == NULL ||
	    CU_add_test(s, "error buffer limits",
	    test_error_buffer_limits) == NULL ||
	    CU_add_test(s, "service and backend limits", test_limits) ==
	    NULL ||
	    CU_add_test(s, "long address needs a name",
	    test_long_address_needs_name) == NULL ||
	    CU_add_test(s, "find and names", test_find_and_names) == NULL ||
	    CU_add_test(s, "example files", test_example_files) == NULL ||
	    CU_add_test(s, "etc/lbd.conf shows the defaults",
	    test_example_defaults) == NULL ||
	    CU_add_test(s, "keys documented both ways",
	    test_keys_documented) == NULL)
		return (-1);
	return (0);
}
