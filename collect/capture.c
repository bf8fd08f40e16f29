/* capture: libpcap in a thread, headers-only segments; see capture.h. */
#include "capture.h"

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "json.h"
#include "pkthdr.h"

#define CAPTURE_QUEUE_MAX 4

struct segment {
	struct segment *next;
	uint64_t seq;
	struct strbuf data;       /* a complete pcap file */
	uint64_t packets;
	int64_t first_ns, last_ns;
	struct pcap_stat stats;   /* cumulative at rotation */
	int have_stats;
	uint64_t dropped_by_collector;
};

struct capture {
	pcap_t *p;
	struct capture_options o;
	int dlt;
	pthread_t thread;
	int running;
	volatile int stop;
	pthread_mutex_t lock;
	struct segment *cur;
	struct segment *done, **done_tail;
	unsigned queued;
	uint64_t next_seq;
	uint64_t dropped_by_collector;   /* packets lost because the queue was full */
	uint64_t truncated_bytes;         /* payload bytes not kept */
};

static void put32(unsigned char *b, uint32_t v)
{
	memcpy(b, &v, 4);   /* pcap files are written in host order */
}

static void put16(unsigned char *b, uint16_t v)
{
	memcpy(b, &v, 2);
}

/* A file's LINKTYPE_ value: the same as the DLT_ value except DLT_RAW,
 * whose number differs between systems (12, or 14 on OpenBSD). */
static uint32_t capture_linktype(int dlt)
{
	return dlt == 12 || dlt == 14 ? 101 : (uint32_t)dlt;
}

static struct segment *segment_new(struct capture *cap)
{
	struct segment *s = xcalloc(1, sizeof(*s));
	unsigned char h[24];

	s->seq = ++cap->next_seq;
	strbuf_init(&s->data, cap->o.segment + 4096);
	/* pcap file header with nanosecond timestamps (magic a1b23c4d) */
	put32(h, 0xa1b23c4d);
	put16(h + 4, 2);
	put16(h + 6, 4);
	put32(h + 8, 0);
	put32(h + 12, 0);
	put32(h + 16, cap->o.snaplen);
	put32(h + 20, capture_linktype(cap->dlt));
	strbuf_add(&s->data, h, sizeof(h));
	s->first_ns = -1;
	return s;
}

/* Moves the current segment to the done queue (caller holds the lock). */
static void segment_rotate(struct capture *cap)
{
	struct segment *s = cap->cur;

	cap->cur = NULL;
	if (!s)
		return;
	if (pcap_stats(cap->p, &s->stats) == 0)
		s->have_stats = 1;
	s->dropped_by_collector = cap->dropped_by_collector;
	*cap->done_tail = s;
	cap->done_tail = &s->next;
	cap->queued++;
}

static void on_packet(unsigned char *user, const struct pcap_pkthdr *h, const unsigned char *bytes)
{
	struct capture *cap = (struct capture *)user;
	size_t keep = cap->o.payload ? h->caplen : pkthdr_len(cap->dlt, bytes, h->caplen);
	unsigned char rec[16];
	int64_t ns = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;  /* nano precision set at open */

	pthread_mutex_lock(&cap->lock);
	if (!cap->cur) {
		if (cap->queued >= CAPTURE_QUEUE_MAX) {
			cap->dropped_by_collector++;
			pthread_mutex_unlock(&cap->lock);
			return;
		}
		cap->cur = segment_new(cap);
	}
	put32(rec, (uint32_t)h->ts.tv_sec);
	put32(rec + 4, (uint32_t)h->ts.tv_usec);
	put32(rec + 8, (uint32_t)keep);
	put32(rec + 12, h->len);
	strbuf_add(&cap->cur->data, rec, sizeof(rec));
	strbuf_add(&cap->cur->data, bytes, keep);
	cap->truncated_bytes += h->caplen - keep;
	if (cap->cur->first_ns < 0)
		cap->cur->first_ns = ns;
	cap->cur->last_ns = ns;
	cap->cur->packets++;
	if (cap->cur->data.len >= cap->o.segment)
		segment_rotate(cap);
	pthread_mutex_unlock(&cap->lock);
}

static void *capture_thread(void *arg)
{
	struct capture *cap = arg;

	while (!cap->stop) {
		int n = pcap_dispatch(cap->p, -1, on_packet, (unsigned char *)cap);
		if (n < 0 && n != PCAP_ERROR_BREAK)
			break;
	}
	return NULL;
}

struct capture *capture_open(const struct capture_options *o, char *why, size_t why_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *cap = xcalloc(1, sizeof(*cap));
	struct bpf_program prog;
	int rc;

	cap->o = *o;
	cap->p = pcap_create(o->iface, errbuf);
	if (!cap->p) {
		snprintf(why, why_len, "cannot capture on '%s': %s", o->iface, errbuf);
		goto fail;
	}
	pcap_set_snaplen(cap->p, (int)o->snaplen);
	pcap_set_promisc(cap->p, 0);
	pcap_set_timeout(cap->p, 200);
	pcap_set_buffer_size(cap->p, 8 << 20);
	pcap_set_tstamp_precision(cap->p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(cap->p);
	if (rc < 0) {
		snprintf(why, why_len, "cannot capture on '%s': %s%s", o->iface, pcap_statustostr(rc),
			 rc == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
		if (rc != PCAP_ERROR_PERM_DENIED && pcap_geterr(cap->p)[0])
			snprintf(why + strlen(why), why_len - strlen(why), ": %s", pcap_geterr(cap->p));
		goto fail;
	}
	if (pcap_compile(cap->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, why_len, "bad --pcap filter '%s': %s", o->filter, pcap_geterr(cap->p));
		goto fail;
	}
	rc = pcap_setfilter(cap->p, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		snprintf(why, why_len, "cannot set --pcap filter: %s", pcap_geterr(cap->p));
		goto fail;
	}
	cap->dlt = pcap_datalink(cap->p);
	pthread_mutex_init(&cap->lock, NULL);
	cap->done_tail = &cap->done;
	if (pthread_create(&cap->thread, NULL, capture_thread, cap) != 0) {
		snprintf(why, why_len, "cannot start the capture thread");
		pthread_mutex_destroy(&cap->lock);
		goto fail;
	}
	cap->running = 1;
	return cap;
fail:
	if (cap->p)
		pcap_close(cap->p);
	free(cap);
	return NULL;
}

static void segment_free(struct segment *s)
{
	strbuf_release(&s->data);
	free(s);
}

static void segment_json(struct strbuf *sb, const struct capture *cap, const struct segment *s)
{
	strbuf_addch(sb, '{');
	json_kv_u64(sb, "segment", s->seq, 1);
	json_kv_str(sb, "iface", cap->o.iface, 0);
	json_kv_str(sb, "filter", cap->o.filter, 0);
	json_kv_str(sb, "linktype", pcap_datalink_val_to_name(cap->dlt), 0);
	json_kv_u64(sb, "snaplen", cap->o.snaplen, 0);
	json_kv_bool(sb, "payload", cap->o.payload, 0);
	json_kv_u64(sb, "packets", s->packets, 0);
	json_kv_u64(sb, "bytes", s->data.len, 0);
	json_kv_i64(sb, "first_ns", s->first_ns, 0);
	json_kv_i64(sb, "last_ns", s->last_ns, 0);
	if (s->have_stats) {
		/* libpcap's counters are cumulative since the capture started. */
		json_kv_u64(sb, "kernel_received", s->stats.ps_recv, 0);
		json_kv_u64(sb, "kernel_dropped", s->stats.ps_drop, 0);
		json_kv_u64(sb, "interface_dropped", s->stats.ps_ifdrop, 0);
	}
	json_kv_u64(sb, "dropped_by_collector", s->dropped_by_collector, 0);
	strbuf_addstr(sb, "}\n");
}

/* libpcap handles are not thread-safe: stop the reader before touching it. */
static void capture_stop(struct capture *cap)
{
	if (!cap->running)
		return;
	cap->stop = 1;
	pcap_breakloop(cap->p);
	pthread_join(cap->thread, NULL);
	cap->running = 0;
}

int capture_write(struct collector *c, struct capture *cap, int final, struct snap_log *log)
{
	struct segment *list, *s, *next;
	int r = 0;

	if (final)
		capture_stop(cap);
	pthread_mutex_lock(&cap->lock);
	if (final && cap->cur)
		segment_rotate(cap);
	list = cap->done;
	cap->done = NULL;
	cap->done_tail = &cap->done;
	cap->queued = 0;
	pthread_mutex_unlock(&cap->lock);
	for (s = list; s; s = next) {
		char member[64];
		struct strbuf meta = STRBUF_INIT;

		next = s->next;
		if (!r) {
			snprintf(member, sizeof(member), "pcap/seg-%06llu.pcap", (unsigned long long)s->seq);
			r = bw_add(c->bw, member, s->last_ns > 0 ? s->last_ns / 1000000000 : 0, s->data.buf, s->data.len);
			segment_json(&meta, cap, s);
			snprintf(member, sizeof(member), "pcap/seg-%06llu.json", (unsigned long long)s->seq);
			if (!r)
				r = bw_add_reserved(c->bw, member, s->last_ns > 0 ? s->last_ns / 1000000000 : 0,
						    meta.buf, meta.len);
			if (log) {
				strbuf_addstr(&log->steps, log->nsteps++ ? ",{" : "{");
				json_kv_str(&log->steps, "step", "pcap", 1);
				json_kv_u64(&log->steps, "segment", s->seq, 0);
				json_kv_u64(&log->steps, "packets", s->packets, 0);
				json_kv_str(&log->steps, "outcome", r == BW_FULL ? "cut" : r ? "failed" : "ok", 0);
				strbuf_addch(&log->steps, '}');
			}
		}
		strbuf_release(&meta);
		segment_free(s);
	}
	return r;
}

void capture_free(struct capture *cap)
{
	struct segment *s, *next;

	if (!cap)
		return;
	capture_stop(cap);
	pthread_mutex_destroy(&cap->lock);
	if (cap->cur)
		segment_free(cap->cur);
	for (s = cap->done; s; s = next) {
		next = s->next;
		segment_free(s);
	}
	pcap_close(cap->p);
	free(cap);
}
