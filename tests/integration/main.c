/*
 * Integration test runner: registers every t_*.c suite (or only the one
 * named by $LBD_SUITE), runs them verbosely, and appends "PASSED FAILED"
 * to $LBD_RESULTS when set.  Run from the repository root.
 */
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "harness.h"

static const struct {
	const char	*name;
	int		(*reg)(void);
} suites[] = {
	{ "relay",		t_relay_register },
	{ "distribution",	t_distribution_register },
	{ "failover",		t_failover_register },
	{ "halfclose",		t_halfclose_register },
	{ "concurrency",	t_concurrency_register },
	{ "worker_death",	t_worker_death_register },
	{ "timeouts",		t_timeouts_register },
	{ "nobackend",		t_nobackend_register },
	{ "reload_load",	t_reload_load_register },
	{ "reload_stream",	t_reload_stream_register },
	{ "reload_backends",	t_reload_backends_register },
	{ "reload_broken",	t_reload_broken_register },
	{ "unresolved",		t_unresolved_register },
	{ "stop",		t_stop_register },
	{ "daemon",		t_daemon_register },
	{ "privdrop",		t_privdrop_register },
	{ "pidfile",		t_pidfile_register },
	{ "systemd",		t_systemd_register },
	{ "emfile",		t_emfile_register },
	{ "leastconn",		t_leastconn_register },
	{ "leasttime",		t_leasttime_register },
	{ "health_tcp",		t_health_tcp_register },
	{ "health_http",	t_health_http_register },
	{ "passive",		t_passive_register },
	{ "backup_queue",	t_backup_queue_register },
	{ "slowstart",		t_slowstart_register },
	{ "metrics",		t_metrics_register },
	{ "status",		t_status_register },
	{ "control",		t_control_register },
	{ "admin",		t_admin_register },
	{ "access",		t_access_register },
	{ "stats_lockout",	t_stats_lockout_register },
	{ "origin",		t_origin_register },
	{ "http",		t_http_register },
	{ "http_answers",	t_http_answers_register },
	{ "http_pool",		t_http_pool_register },
	{ "http_mem",		t_http_mem_register },
	{ "reload_burst",	t_reload_burst_register },
	{ "reload_parse",	t_reload_parse_register },
	{ "bigconf",		t_bigconf_register },
	{ "titles",		t_titles_register },
	{ "reload_answer",	t_reload_answer_register },
	{ "proxy",		t_proxy_register },
	{ "logs",		t_logs_register },
};

/* Register the suites $LBD_SUITE selects (all when unset); the count. */
static int
register_suites(void)
{
	const char	*only = getenv("LBD_SUITE");
	int		 n = 0;

	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (only != NULL && *only != '\0' &&
		    strcmp(only, suites[i].name) != 0)
			continue;
		if (suites[i].reg() == -1) {
			fprintf(stderr, "cannot register suite %s\n",
			    suites[i].name);
			return (-1);
		}
		n++;
	}
	return (n);
}

int
main(void)
{
	struct rlimit	rl;
	int		n;

	/* Many client sockets at once; a peer's close must not kill us. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return (1);
	if ((n = register_suites()) <= 0) {
		fprintf(stderr, "no suite %s\n", n == 0 ? "matches LBD_SUITE" :
		    "registered");
		CU_cleanup_registry();
		return (1);
	}
	return (cunit_run());
}
