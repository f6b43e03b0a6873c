/*
 * The end both test runners share (tests/unit, tests/integration).
 */
#ifndef LBD_CUNIT_RUN_H
#define LBD_CUNIT_RUN_H

/*
 * Run every registered test verbosely, append "PASSED FAILED" to
 * $LBD_RESULTS when set (tests/run.sh sums them), free the registry.
 * Returns the exit status: 0 when nothing failed, else 1.
 */
int	cunit_run(void);

#endif /* LBD_CUNIT_RUN_H */
