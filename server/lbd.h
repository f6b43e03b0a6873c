/*
 * The daemon's one environment, like relayd's env or nginx's cycle: what
 * the master builds before forking and every worker inherits.
 */
#ifndef LBD_LBD_H
#define LBD_LBD_H

#include <sys/types.h>

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "evloop.h"
#include "lbd_limits.h"
#include "net.h"

struct balance;
struct config;
struct runtime_slots;
struct service_config;
struct shm;

/* A bound listening socket, owned by the master, inherited by workers. */
struct listener {
	int			 fd;
	unsigned		 service;	/* index in conf->services */
	struct net_addr		 addr;
};

/* A service as the relay sees it: its config, shm slots and balancer. */
struct service {
	const struct service_config	*conf;
	unsigned			 slot;	/* shm_service() slot */
	unsigned			 be_slot[LBD_MAX_BACKENDS];
	struct balance			*balance;
	unsigned			 weights_gen;	/* balance built at */
	bool				 sends_proxy;	/* a backend gets the
							   PROXY header */
};

struct lbd {
	char			 conf_path[LBD_PATHLEN];	/* absolute */
	bool			 foreground;
	enum evloop_kind	 events;	/* the workers' event loop */
	uint64_t		 admin_timeout_ms; /* control idle, stats head */
	pid_t			 master_pid;
	uint64_t		 started_ms;	/* master start, clock_ms() */
	struct config		*conf;
	unsigned		 generation;	/* bumped by each reload */
	struct shm		*shm;
	struct runtime_slots	*slots;		/* runtime.c's slot book */
	struct listener		*listeners;
	size_t			 nlisteners;
	struct service		*services;	/* conf->nservices of them */
	int			 stats_fd;	/* -1 without stats */
	struct evloop		*master_loop;	/* its fds are the master's */
	int			 ready_fd;	/* daemon readiness, -1 none */
	int			 pidfile_fd;	/* locked pidfile, -1 none */
	char			 state_path[LBD_PATHLEN]; /* "": none */
	struct reload_state	 reload;	/* the newest reload */
	sigset_t		 unblocked;	/* mask in force in ppoll */
};

#endif /* LBD_LBD_H */
