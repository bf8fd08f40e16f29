/* Row initialisers shared by every parser. */
#include "rows.h"

#include <string.h>

#include "numparse.h"

void sm_socket_row_init(struct sm_socket_row *r)
{
	memset(r, 0, sizeof(*r));
	r->local_port = r->remote_port = SM_NONE;
	r->tx_queue = r->rx_queue = SM_NONE;
	r->timer = r->timer_ms = r->retransmits = SM_NONE;
	r->uid = r->pid = r->fd = r->listen_backlog = SM_NONE;
}

void sm_fd_row_init(struct sm_fd_row *r)
{
	memset(r, 0, sizeof(*r));
	r->pid = r->uid = r->fd = SM_NONE;
	r->local_port = r->remote_port = SM_NONE;
}

int sm_port_field(const char *s, size_t n, int64_t *port)
{
	*port = SM_NONE;
	if (!num_is_digits(s, n))
		return 0;
	if (num_dec_count(s, n, port) < 0 || *port > 65535) {
		*port = SM_NONE;
		return -1;
	}
	return 0;
}
