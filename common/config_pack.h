/*
 * A struct config flattened into one buffer and back, so that a child
 * process can parse the file and hand the result to the master through a
 * pipe.  The buffer holds the config, then its services, then each
 * service's backends in order; no pointer crosses, and unpacking checks
 * every count and string before it trusts them.
 */
#ifndef LBD_CONFIG_PACK_H
#define LBD_CONFIG_PACK_H

#include <stddef.h>

struct config;

/*
 * Flatten conf into a new buffer of *len bytes (free(3) it).  NULL with
 * errno when out of memory.
 */
void		*config_pack(const struct config *conf, size_t *len);

/*
 * Rebuild a config from a buffer config_pack() made.  Returns a config
 * to free with config_free(), or NULL with the reason in err when the
 * buffer is cut short, too long or holds an impossible count or string.
 */
struct config	*config_unpack(const void *buf, size_t len, char *err,
		    size_t errlen);

/* The largest buffer config_pack() can make, for a reader's bound. */
size_t		 config_pack_max(void);

#endif /* LBD_CONFIG_PACK_H */
