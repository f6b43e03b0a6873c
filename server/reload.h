/*
 * What a reload keeps, opens and closes, as pure functions of the old and
 * new configurations, so the policy can be tested without processes.
 */
#ifndef LBD_RELOAD_H
#define LBD_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct listener;
struct service;

/*
 * Match the new configuration's listen addresses, in order (service by
 * service, address by address), against the bound listeners.  keep[k] is
 * the index in old[] of the socket to reuse for the k-th new address, or
 * -1 to bind a new one; close_old[i] is true for sockets nobody keeps.
 * Returns the number of new addresses.
 */
size_t	reload_match_listeners(const struct listener *old, size_t nold,
	    const struct config *new, int *keep, bool *close_old);

/*
 * Identity across reloads is (service name, backend name).  slot[k] is
 * the shared-region slot of the k-th backend of the new configuration
 * (service by service) when the old one had it, or -1 for a new backend.
 * Likewise svc_slot[i] for the new services.  Returns the backend count.
 */
size_t	reload_match_backends(const struct config *oldc,
	    const struct service *old_services, const struct config *new,
	    int *slot, int *svc_slot);

#endif /* LBD_RELOAD_H */
