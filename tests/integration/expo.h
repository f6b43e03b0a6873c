/*
 * A strict checker for the Prometheus text exposition format (0.0.4), for
 * the tests of GET /metrics.  It accepts a body when every line is empty,
 * a comment, "# HELP name text", "# TYPE name type" or a sample
 * "name{label="value",...} value [timestamp]", and also requires what lbd
 * promises beyond the format's minimum: each family's HELP and TYPE once,
 * both before its samples; a family's samples in one group; no series
 * twice (same name and label set, in any order); counters named *_total.
 */
#ifndef LBD_EXPO_H
#define LBD_EXPO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Check body (NUL-ended); 0 when it passes, else -1 with the first
 * problem as "line N: what" in err.
 */
int	expo_check(const char *body, char *err, size_t errlen);

/*
 * The value of the sample written exactly as series, such as
 * "lbd_workers" or "lbd_service_active_connections{service=\"web\"}",
 * into *v; false when body has no such sample line.
 */
bool	expo_value(const char *body, const char *series, double *v);

/*
 * The type the "# TYPE" line of family name declares, copied into out;
 * false when there is none.
 */
bool	expo_type(const char *body, const char *name, char *out, size_t len);

#endif /* LBD_EXPO_H */
