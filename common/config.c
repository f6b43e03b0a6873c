/*
 * Configuration: a libconfig file becomes a plain struct config.  Every
 * rule is checked and every mistake is reported, not just the first, each
 * as "FILE:LINE: message" in the caller's buffer (relayd's error count),
 * so an operator fixes a file in one pass.  Nothing is logged.
 *
 * The work is divided by job: this file reads the file and the global
 * keys (workers ... stats) and runs the parts; config_files.c checks the
 * files before libconfig reads them; config_service.c knows services and
 * backends, config_health.c the health group; config_parser.c reads
 * values and records errors for all of them.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libconfig.h>

#include "config.h"
#include "config_files.h"
#include "config_health.h"
#include "config_http.h"
#include "config_parser.h"
#include "config_service.h"
#include "log.h"
#include "net.h"

#define DEF_MAXCONN	10000
#define DEF_PIDFILE	"/run/lbd.pid"
#define DEF_SHUTDOWN_MS	(30 * 1000)
#define CONTROL_PATHMAX	108	/* sun_path of struct sockaddr_un */

static const char *const top_keys[] = {
	"workers", "maxconn", "pidfile", "shutdown_timeout", "log", "stats",
	"services", "user", "group", "control", NULL
};
static const char *const log_keys[] = {
	"level", "facility", "access", NULL
};
static const char *const stats_keys[] = { "listen", NULL };

/* Read by name a log level or facility into *out, if present. */
static void
parse_log_value(struct parser *p, const config_setting_t *g,
    const char *name, int (*lookup)(const char *), const char *valid,
    int *out)
{
	const config_setting_t	*s;
	const char		*v;
	int			 n;

	if ((s = parser_want(p, g, name, CONFIG_TYPE_STRING,
	    "a string")) == NULL)
		return;
	v = config_setting_get_string(s);
	if ((n = lookup(v)) == -1) {
		parser_report(p, s, "unknown log %s \"%s\": expected %s",
		    name, v, valid);
		return;
	}
	*out = n;
}

static void
parse_log(struct parser *p, const config_setting_t *root)
{
	struct log_config	*lc = &p->conf->log;
	const config_setting_t	*g;

	lc->level = LOG_INFO;
	lc->facility = LOG_DAEMON;
	lc->access = false;
	g = parser_want(p, root, "log", CONFIG_TYPE_GROUP,
	    "a group: { level = \"info\"; }");
	if (g == NULL)
		return;
	parser_check_keys(p, g, log_keys, "in log");
	parse_log_value(p, g, "level", log_level_parse,
	    "err|warning|notice|info|debug", &lc->level);
	parse_log_value(p, g, "facility", log_facility_parse,
	    "daemon|user|local0..local7", &lc->facility);
	parser_get_bool(p, g, "access", &lc->access);
}

/* Parsed after the services, so that a clash names the service. */
static void
parse_stats(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*g, *s;
	char			 neterr[NETERRLEN];

	g = parser_want(p, root, "stats", CONFIG_TYPE_GROUP,
	    "a group: { listen = \"host:port\"; }");
	if (g == NULL)
		return;
	parser_check_keys(p, g, stats_keys, "in stats");
	if ((s = config_setting_get_member(g, "listen")) == NULL) {
		parser_report(p, g, "stats has no \"listen\" address");
		return;
	}
	if (parser_copy_string(p, s, "listen", c->stats_text,
	    sizeof(c->stats_text)) == -1)
		return;
	if (net_addr_parse(c->stats_text, &c->stats_listen, neterr,
	    sizeof(neterr)) == -1) {
		parser_report(p, s, "%s", neterr);
		return;
	}
	if (!config_listen_clash(p, s, "stats listen", c->stats_text,
	    &c->stats_listen))
		c->has_stats = true;
}

/* One worker per online CPU, within 1..LBD_MAX_WORKERS. */
static unsigned
default_workers(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return (1);
	if (n > LBD_MAX_WORKERS)
		return (LBD_MAX_WORKERS);
	return ((unsigned)n);
}

/* user and group: whom the workers run as, resolved now. */
static void
parse_identity(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*s;
	struct passwd		*pw;
	struct group		*gr;

	if ((s = config_setting_get_member(root, "user")) != NULL &&
	    parser_copy_string(p, s, "user", c->user, sizeof(c->user)) == 0) {
		if ((pw = getpwnam(c->user)) == NULL)
			parser_report(p, s, "unknown user \"%s\"", c->user);
		else {
			c->uid = pw->pw_uid;
			c->gid = pw->pw_gid;
		}
	}
	if ((s = config_setting_get_member(root, "group")) == NULL ||
	    parser_copy_string(p, s, "group", c->group, sizeof(c->group)) != 0)
		return;
	if (c->user[0] == '\0')
		parser_report(p, s, "group needs a user");
	else if ((gr = getgrnam(c->group)) == NULL)
		parser_report(p, s, "unknown group \"%s\"", c->group);
	else
		c->gid = gr->gr_gid;
}

/* pidfile and control: where a running lbd is found. */
static void
parse_paths(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;
	const config_setting_t	*s;

	memcpy(c->pidfile, DEF_PIDFILE, sizeof(DEF_PIDFILE));
	if ((s = config_setting_get_member(root, "control")) != NULL &&
	    parser_copy_string(p, s, "control", c->control,
	    sizeof(c->control)) == 0 && strlen(c->control) >= CONTROL_PATHMAX)
		parser_report(p, s, "\"control\" path must be shorter than %d "
		    "bytes", CONTROL_PATHMAX);
	if ((s = config_setting_get_member(root, "pidfile")) != NULL)
		(void)parser_copy_string(p, s, "pidfile", c->pidfile,
		    sizeof(c->pidfile));
}

static void
parse_globals(struct parser *p, const config_setting_t *root)
{
	struct config		*c = p->conf;

	c->workers = default_workers();
	c->maxconn = DEF_MAXCONN;
	c->shutdown_timeout_ms = DEF_SHUTDOWN_MS;
	parser_get_uint(p, root, "workers", 1, LBD_MAX_WORKERS, &c->workers);
	parser_get_uint(p, root, "maxconn", 1, MAX_MAXCONN, &c->maxconn);
	parse_paths(p, root);
	parser_get_duration(p, root, "shutdown_timeout",
	    &c->shutdown_timeout_ms);
}

/* Every key, in an order where a clash can name what it clashes with. */
static void
parse_all(struct parser *p, const config_setting_t *root)
{
	parser_check_keys(p, root, top_keys, "at top level");
	parse_globals(p, root);
	parse_identity(p, root);
	parse_log(p, root);
	config_services_parse(p, root);
	parse_stats(p, root);
}

/* Read the file; a syntax or I/O error is reported and gives -1. */
static int
read_file(struct parser *p, config_t *cf)
{
	const char	*file;
	int		 saved;

	if (config_read_file(cf, p->path) == CONFIG_TRUE)
		return (0);
	saved = errno;
	/* libconfig keeps no errno of its own; fopen()'s is still there. */
	if (config_error_type(cf) == CONFIG_ERR_FILE_IO) {
		parser_report_at(p, p->path, 0, "cannot read the file: %s",
		    saved != 0 ? strerror(saved) : config_error_text(cf));
		return (-1);
	}
	file = config_error_file(cf);
	parser_report_at(p, file != NULL ? file : p->path,
	    (unsigned)config_error_line(cf), "%s", config_error_text(cf));
	return (-1);
}

/*
 * Check and read the file at path, then let parse fill a new config from
 * its root; the config, or NULL with every error in err.
 */
static struct config *
load(const char *path, char *err, size_t errlen,
    void (*parse)(struct parser *, const config_setting_t *))
{
	struct parser		 p;
	config_t		 cf;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (strlen(path) >= LBD_PATHLEN) {
		parser_report_at(&p, path, 0, "path too long: at most %d "
		    "characters", LBD_PATHLEN - 1);
		return (NULL);
	}
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL) {
		parser_report_at(&p, path, 0, "out of memory");
		return (NULL);
	}
	memcpy(p.conf->path, path, strlen(path) + 1);
	config_init(&cf);
	/*
	 * A cut integer would read as another value, and a huge file would
	 * hold libconfig for minutes: stop before it reads anything.
	 */
	config_files_check(&p, config_get_include_dir(&cf));
	if (p.nerrors == 0 && read_file(&p, &cf) == 0)
		parse(&p, config_root_setting(&cf));
	config_destroy(&cf);
	if (p.nerrors == 0)
		return (p.conf);
	config_free(p.conf);
	return (NULL);
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	return (load(path, err, errlen, parse_all));
}

/*
 * Nothing but the paths: no host name is resolved and no user looked up,
 * so what changed in the world since lbd started cannot stop -s or -x.
 */
struct config *
config_load_paths(const char *path, char *err, size_t errlen)
{
	return (load(path, err, errlen, parse_paths));
}

void
config_free(struct config *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < conf->nservices; i++)
		free(conf->services[i].backends);
	free(conf->services);
	free(conf);
}

const char *const *
config_keys(void)
{
	static const char *const *const tables[] = {
		top_keys, log_keys, stats_keys, config_service_keys,
		config_timeout_keys, config_health_keys, config_backend_keys,
		config_http_keys
	};
	static const char	*keys[128];
	size_t			 n = 0, k;

	if (keys[0] != NULL)
		return (keys);
	for (size_t t = 0; t < NELEM(tables); t++)
		for (size_t i = 0; tables[t][i] != NULL; i++) {
			for (k = 0; k < n && strcmp(keys[k], tables[t][i]); k++)
				;
			if (k == n && n < NELEM(keys) - 1)
				keys[n++] = tables[t][i];
		}
	return (keys);
}
