/*
 * The health group of a service (config_health.c), one part of
 * config_load().  Private to common/config*.c.
 */
#ifndef LBD_CONFIG_HEALTH_H
#define LBD_CONFIG_HEALTH_H

struct config_setting_t;
struct health_config;
struct parser;

/* Its keys, NULL-terminated, for config_keys(). */
extern const char *const config_health_keys[];

/*
 * Fill h from the "health" member of service group g, or with the
 * defaults when there is none; each mistake is reported through p.
 */
void	config_health_parse(struct parser *p,
	    const struct config_setting_t *g, struct health_config *h);

#endif /* LBD_CONFIG_HEALTH_H */
