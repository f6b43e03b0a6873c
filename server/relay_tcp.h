/*
 * TCP mode: one upstream for the connection's whole life and two pumps,
 * client to backend and back, with an idle timeout per side.
 */
#ifndef LBD_RELAY_TCP_H
#define LBD_RELAY_TCP_H

#include "relay.h"

/* The protocol relay.c hands a tcp service's connections to. */
extern const struct relay_proto	relay_tcp;

#endif /* LBD_RELAY_TCP_H */
