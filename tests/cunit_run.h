/*
 * The end both test runners share (tests/unit, tests/integration).
 */
#ifndef LBD_CUNIT_RUN_H
#define LBD_CUNIT_RUN_H

/*
 * Run every registered test verbosely, append "PASSED FAILED SKIPPED" to
 * $LBD_RESULTS when set (tests/run.sh sums them), free the registry.
 * Returns the exit status: 0 when nothing failed, else 1.
 */
int	cunit_run(void);

/*
 * Mark the running test as skipped, saying why on stderr: it could not
 * run here (for example it needs root).  CUnit 2 has no skip of its own,
 * so the test is tallied as skipped instead of passed.  Call it once, then
 * return without asserting anything.
 */
void	cunit_skip(const char *why);

#endif /* LBD_CUNIT_RUN_H */
