/*
 * Fixed capacities shared by the configuration parser and the shared
 * region.  The region is sized once, before the first fork, so these are
 * hard limits: a configuration that exceeds one is rejected at load.
 */
#ifndef LBD_LBD_LIMITS_H
#define LBD_LBD_LIMITS_H

#define LBD_VERSION		"0.1.0"

#define LBD_MAX_SERVICES	64	/* services in one configuration */
#define LBD_MAX_BACKENDS	256	/* backends in one service */
#define LBD_MAX_BACKENDS_ALL	1024	/* backends in all services */
#define LBD_MAX_LISTEN		16	/* listen addresses in one service */
#define LBD_MAX_WORKERS		64	/* workers = ... */
#define LBD_MAX_WEIGHT		256	/* backend weight = 0..256 */
#define LBD_MAX_RETRIES		16	/* service retries = 0..16 */

#define LBD_NAMELEN		64	/* service, backend names, with NUL */
#define LBD_ADDRLEN		272	/* "host:port" as written, with NUL */
#define LBD_PATHLEN		256	/* pidfile, control socket path */
#define LBD_ERRLEN		8192	/* error buffers filled by common/ */

/*
 * A configuration: bytes and settings in the file and the files it
 * includes, all together.  libconfig's scanner is quadratic in the length
 * of one token and in the number of settings of one group: at these
 * limits a parse takes about a second at worst.
 */
#define LBD_CONFIG_MAXSIZE	(1024 * 1024)
#define LBD_CONFIG_MAXSETTINGS	16384

#endif /* LBD_LBD_LIMITS_H */
