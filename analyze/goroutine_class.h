/*
 * goroutine_class: what a goroutine is doing, from its state and frames.
 *
 *   wait_kind  lock | netpoll | chan | select | sleep | syscall | waitgroup |
 *              running | other  (why it is parked)
 *   role       http_client | http_server | grpc_client | grpc_server | NULL
 *              (what socket-bearing work it belongs to)
 *   lock_func  the sync function it waits in (sync.(*RWMutex).RLock ...)
 *   app        the application frame nearest the block: the innermost
 *              frame outside the Go runtime, the standard library and
 *              well-known libraries — the line the owner of the code reads.
 *
 * Formats without states (debug=1, protobuf) are classified from frames.
 */
#ifndef SM_GOROUTINE_CLASS_H
#define SM_GOROUTINE_CLASS_H

#include <stddef.h>

#include "rows.h"

struct gr_class {
	const char *wait_kind;    /* static strings */
	const char *role;
	const char *lock_func;    /* points into frames[].func, or NULL */
	long app;                 /* index into frames, or -1 */
};

void goroutine_classify(const char *state, const struct sm_frame *frames, size_t n, struct gr_class *out);

/* Is func (a Go symbol) in application code? */
int goroutine_is_app_func(const char *func);

#endif
