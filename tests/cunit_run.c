/*
 * Running the registered CUnit tests and recording the counts: see
 * cunit_run.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"

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
cunit_run(void)
{
	unsigned	run, failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	record_results(run, failed);
	CU_cleanup_registry();
	return (failed == 0 ? 0 : 1);
}
