/*
 * The http group of a service and its HTTP timeouts (config_http.c), one
 * part of config_load().  Private to common/config*.c.
 */
#ifndef LBD_CONFIG_HTTP_H
#define LBD_CONFIG_HTTP_H

struct config_setting_t;
struct service_config;
struct parser;

/* Keys of the http group, NULL-terminated, for config_keys(). */
extern const char *const config_http_keys[];

/*
 * Fill svc->http and svc's HTTP timeouts from service group g (its mode
 * already parsed), or with the defaults; each mistake is reported through
 * p.  An http group in a service whose mode is not http is an error.
 */
void	config_http_parse(struct parser *p, const struct config_setting_t *g,
	    struct service_config *svc);

#endif /* LBD_CONFIG_HTTP_H */
