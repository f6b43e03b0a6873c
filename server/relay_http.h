/*
 * HTTP mode: a per-request state machine over one client connection.
 * Each request head is parsed strictly, balanced and connected on its
 * own, forwarded with the client's own header bytes, and its response
 * streamed back; lbd's own answers (400 ... 505), keep-alive, pipelining,
 * 100-continue, Upgrade tunnels and one access line per request.
 */
#ifndef LBD_RELAY_HTTP_H
#define LBD_RELAY_HTTP_H

#include "relay.h"

/* The protocol relay.c hands an http service's connections to. */
extern const struct relay_proto	relay_http;

#endif /* LBD_RELAY_HTTP_H */
