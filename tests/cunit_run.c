/*
 * Running the registered CUnit tests and recording the counts: see
 * cunit_run.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"

/* Tests that called cunit_skip(); a CUnit run is one process. */
static unsigned	skipped;

void
cunit_skip(const char *why)
{
	fprintf(stderr, "\n  skipped: %s\n", why);
	skipped++;
}

/* Append this run's counts for tests/run.sh to total. */
static void
record_results(unsigned run, unsigned failed)
{
	const char	*path = getenv("LBD_RESULTS");
	unsigned	 skip = skipped < run - failed ? skipped : run - failed;
	FILE		*f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%u %u %u\n", run - failed - skip, failed, skip);
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
	if (skipped > 0)
		printf("%u of these tests skipped (see \"skipped:\" above)\n",
		    skipped);
	CU_cleanup_registry();
	return (failed == 0 ? 0 : 1);
}
