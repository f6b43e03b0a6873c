/*
 * The diff between two configurations.  Pure: no sockets, no shared
 * memory; master.c acts on what these return.
 */

#include "config.h"
#include "lbd.h"
#include "net.h"
#include "reload.h"

size_t
reload_match_listeners(const struct listener *old, size_t nold,
    const struct config *new, int *keep, bool *close_old)
{
	size_t	k = 0;

	for (size_t i = 0; i < nold; i++)
		close_old[i] = true;
	for (size_t s = 0; s < new->nservices; s++)
		for (size_t j = 0; j < new->services[s].nlisten; j++, k++) {
			keep[k] = -1;
			for (size_t i = 0; i < nold; i++)
				if (close_old[i] && net_addr_equal(&old[i].addr,
				    &new->services[s].listen[j])) {
					keep[k] = (int)i;
					close_old[i] = false;
					break;
				}
		}
	return (k);
}

size_t
reload_match_backends(const struct config *oldc,
    const struct service *old_services, const struct config *new,
    int *slot, int *svc_slot)
{
	const struct service_config	*osc;
	size_t				 k = 0;
	int				 os, ob;

	for (size_t s = 0; s < new->nservices; s++) {
		const struct service_config *sc = &new->services[s];

		osc = config_find_service(oldc, sc->name);
		os = osc == NULL ? -1 : (int)(osc - oldc->services);
		svc_slot[s] = os == -1 ? -1 : (int)old_services[os].slot;
		for (size_t b = 0; b < sc->nbackends; b++, k++) {
			ob = osc == NULL ? -1 : config_backend_index(osc,
			    sc->backends[b].name);
			slot[k] = ob == -1 ? -1 :
			    (int)old_services[os].be_slot[ob];
		}
	}
	return (k);
}
