/*
 * The configuration as plain data.  config_load() parses a libconfig file
 * and checks every rule; nothing here holds a file descriptor or a pointer
 * into libconfig, so tests may build a struct config by hand.
 */
#ifndef LBD_CONFIG_H
#define LBD_CONFIG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lbd_limits.h"
#include "net.h"
#include "proxyproto.h"

enum service_mode {
	MODE_TCP = 0,
	MODE_HTTP
};

enum balance_method {
	BALANCE_ROUNDROBIN = 0,
	BALANCE_LEASTCONN,
	BALANCE_LEASTTIME,
	BALANCE_RANDOM,
	BALANCE_SOURCE
};

enum health_type {
	HEALTH_NONE = 0,	/* backends up from the start */
	HEALTH_TCP,		/* a connect that succeeds */
	HEALTH_HTTP		/* GET path answered with a status in expect */
};

struct health_config {
	enum health_type	type;
	uint64_t		interval_ms;	/* between a backend's checks */
	uint64_t		timeout_ms;	/* one check, all of it */
	unsigned		rise;		/* passes to turn up */
	unsigned		fall;		/* failures to turn down */
	char			path[LBD_PATHLEN];	/* http: request path */
	unsigned		expect_min;	/* http: status range */
	unsigned		expect_max;
	unsigned		max_fails;	/* passive: 0 = off */
	uint64_t		fail_timeout_ms; /* passive window and pause */
	uint64_t		slowstart_ms;	/* ramp after up, 0 off */
};

struct backend_config {
	char			name[LBD_NAMELEN];
	char			address[LBD_ADDRLEN];	/* as written */
	struct net_addr		addr;			/* resolved at load */
	unsigned		weight;		/* 0..LBD_MAX_WEIGHT, 0 never */
	unsigned		maxconn;	/* 0 = no limit */
	bool			backup;
	enum proxy_version	send_proxy;	/* PROXY header to it, or none */
};

struct service_timeouts {
	uint64_t		connect_ms;
	uint64_t		client_ms;	/* idle on the client side */
	uint64_t		server_ms;	/* idle on the backend side */
	uint64_t		queue_ms;	/* wait for a free backend */
	uint64_t		http_request_ms; /* first byte to end of head */
	uint64_t		http_keepalive_ms; /* idle client between
						      requests */
	uint64_t		backend_keepalive_ms; /* idle pooled backend
							 connection */
	uint64_t		tunnel_ms;	/* idle Upgrade tunnel */
};

/* mode = "http": the "http" group (SPEC "HTTP mode"). */
struct http_config {
	bool			forwardfor;	/* X-Forwarded-For/-Proto */
	bool			forwarded;	/* RFC 7239 Forwarded */
	bool			via;		/* Via: 1.1 lbd */
	unsigned		max_header_size; /* request line + headers */
	unsigned		max_headers;	/* header lines */
	uint64_t		max_body_size;	/* 0 = no limit */
	unsigned		pool;		/* idle backend connections
						   per worker per backend */
};

struct service_config {
	char			name[LBD_NAMELEN];
	size_t			nlisten;
	struct net_addr		listen[LBD_MAX_LISTEN];
	char			listen_text[LBD_MAX_LISTEN][LBD_ADDRLEN];
	enum service_mode	mode;
	enum balance_method	balance;
	unsigned		retries;
	struct service_timeouts	timeouts;
	struct health_config	health;
	struct http_config	http;		/* mode = "http" only */
	enum proxy_version	send_proxy;	/* its backends' default */
	bool			accept_proxy;	/* clients send a header */
	size_t			nbackends;
	struct backend_config	*backends;
};

struct log_config {
	int			level;		/* LOG_ERR..LOG_DEBUG */
	int			facility;	/* LOG_DAEMON... */
	bool			access;		/* one line per connection */
};

struct config {
	char			path[LBD_PATHLEN];
	unsigned		workers;	/* 1..LBD_MAX_WORKERS */
	unsigned		maxconn;	/* all workers together */
	char			pidfile[LBD_PATHLEN];	/* "" = none */
	char			control[LBD_PATHLEN];	/* "" = no socket */
	char			user[LBD_NAMELEN];	/* "" = keep root */
	char			group[LBD_NAMELEN];	/* "" = user's group */
	uid_t			uid;		/* resolved at load */
	gid_t			gid;
	uint64_t		shutdown_timeout_ms;
	struct log_config	log;
	bool			has_stats;
	struct net_addr		stats_listen;
	char			stats_text[LBD_ADDRLEN];
	size_t			nservices;
	struct service_config	*services;
};

/*
 * Parse and check the file at path.  Returns a new config (free with
 * config_free), or NULL with every error found written to err, one per
 * line, each as "FILE:LINE: message".  On success err holds the
 * warnings, "FILE:LINE: warning: message" one per line, or "".
 */
struct config	*config_load(const char *path, char *err, size_t errlen);

/*
 * Like config_load(), but read only pidfile and control, which lbd -s and
 * -x need: the other keys are left unread and unchecked, so a backend
 * host name that no longer resolves does not stand in the way.  The
 * config has no services.
 */
struct config	*config_load_paths(const char *path, char *err,
		    size_t errlen);

/* Free a config from either loader; NULL is allowed. */
void		config_free(struct config *conf);

/*
 * Every key the parser accepts, by its own name ("workers", "level",
 * "path", ...), each once, in a NULL-terminated static array.
 */
const char *const *
		config_keys(void);

/* Find a service by name; NULL when there is none. */
const struct service_config *
		config_find_service(const struct config *conf,
		    const char *name);

/* Index in sc of the backend named name, or -1. */
int		config_backend_index(const struct service_config *sc,
		    const char *name);

/* Names of the methods, modes and check types, for logs and metrics. */
const char	*config_balance_name(enum balance_method b);
const char	*config_health_name(enum health_type t);
const char	*config_mode_name(enum service_mode m);

#endif /* LBD_CONFIG_H */
