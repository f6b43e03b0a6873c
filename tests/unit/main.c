/*
 * Unit test runner: registers every module's suite, runs them, prints the
 * CUnit summary and appends "PASSED FAILED" to $LBD_RESULTS when set.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "unit.h"

static int (*const suites[])(void) = {
	test_clock_register,
	test_net_register,
	test_config_register,
	test_config_files_register,
	test_balance_register,
	test_buf_register,
	test_evloop_register,
	test_shm_register,
	test_health_register,
	test_reload_register,
	test_runtime_register,
	test_daemon_register,
	test_log_register,
	test_pump_register,
	test_upstream_register,
	test_pool_register,
	test_config_pack_register,
	test_proc_register,
	test_http1_register,
	test_proxyproto_register,
	test_httpstat_register,
	test_relay_http_head_register,
};

int
main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return (1);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i]() == -1) {
			fprintf(stderr, "cannot register suite %zu\n", i);
			return (1);
		}
	return (cunit_run());
}
