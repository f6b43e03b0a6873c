/*
 * Unit test runner: registers every module's suite, runs them, prints the
 * CUnit summary and appends "PASSED FAILED" to $LBD_RESULTS when set.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "unit.h"

static int (*const suites[])(void) = {
	test_clock_register,
	test_net_register,
	test_config_register,
	test_balance_register,
	test_buf_register,
	test_evloop_register,
	test_shm_register,
	test_health_register,
	test_reload_register,
	test_daemon_register,
};

/* Append this run's counts for tests/run.sh to total. */
static void
record_results(unsigned run, unsigned failed)
{
	const char	*path = getenv("LBD_RESULTS");
	FILE		*f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%u %u\n", run - failed, failed);
	fclose(f);
}

int
main(void)
{
	unsigned	run, failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return (1);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i]() == -1) {
			fprintf(stderr, "cannot register suite %zu\n", i);
			return (1);
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	record_results(run, failed);
	CU_cleanup_registry();
	return (failed == 0 ? 0 : 1);
}
