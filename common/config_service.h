/*
 * The services list (config_service.c), one part of config_load().
 * Private to common/config*.c.
 */
#ifndef LBD_CONFIG_SERVICE_H
#define LBD_CONFIG_SERVICE_H

#include <stdbool.h>

struct config_setting_t;
struct net_addr;
struct parser;

/* Keys of a service, its timeouts and its backends, for config_keys(). */
extern const char *const config_service_keys[];
extern const char *const config_timeout_keys[];
extern const char *const config_backend_keys[];

/*
 * Fill p->conf's services from the "services" list of root; each mistake
 * is reported through p.
 */
void	config_services_parse(struct parser *p,
	    const struct config_setting_t *root);

/*
 * When addr (text as written, called what) cannot be bound beside a
 * listen address of the services parsed so far, report it at s and
 * return true.
 */
bool	config_listen_clash(struct parser *p,
	    const struct config_setting_t *s, const char *what,
	    const char *text, const struct net_addr *addr);

#endif /* LBD_CONFIG_SERVICE_H */
