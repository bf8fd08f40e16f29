/*
 * Unit tests for the capture loading path (load_pcap, ingest_pcap, the
 * pcap detection in load and detect): loose captures into an in-memory
 * database, the captures / tcp_conns / close_delays rows they give, a
 * capture inside a tar.gz, duplicates, damaged and hostile files. The
 * bundle path (segments between snapshots, pids through the snapshots) is
 * covered by tests/integration/pcap_closes.sh. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "detect.h"
#include "ingest.h"
#include "load.h"
#include "load_pcap.h"

#define CORPUS "tests/data/corpus/pcap/"

struct fixture {
	sqlite3 *db;
	struct load_options opt;
	struct load ld;
	char *msgbuf;
	size_t msglen;
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *err = NULL;

	if (!f || db_open(":memory:", DB_CREATE, &f->db, &err) < 0) {
		free(err);
		free(f);
		return -1;
	}
	f->opt.quiet = 1;
	f->ld.db = f->db;
	f->ld.opt = &f->opt;
	f->ld.ing = ingest_new(f->db);
	f->ld.msg = open_memstream(&f->msgbuf, &f->msglen);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sm-tlp.XXXXXX");
	if (!f->ld.ing || !f->ld.msg || !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	ingest_free(f->ld.ing);
	fclose(f->ld.msg);
	free(f->msgbuf);
	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int64_t q_int(struct fixture *f, const char *sql)
{
	return db_int(f->db, sql, -999);
}

static const char *messages(struct fixture *f)
{
	fflush(f->ld.msg);
	return f->msgbuf ? f->msgbuf : "";
}

static void t_loose_capture(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_input(&f->ld, CORPUS "tcpdump-resp_1_benchmark.pcap"), 0);
	assert_int_equal(f->ld.rep.loaded, 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sources WHERE kind = 'pcap' AND started_ns IS NOT NULL"), 1);
	assert_int_equal(q_int(f, "SELECT packets FROM captures"), 150);
	assert_int_equal(q_int(f, "SELECT tcp FROM captures"), 150);
	assert_int_equal(q_int(f, "SELECT count(*) FROM captures WHERE linktype = 'LINUX_SLL'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM captures WHERE kernel_dropped IS NULL AND if_dropped IS NULL"), 1);
	/* redis-benchmark: 15 connections, each closed first by the client's FIN */
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns"), 15);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE closed_by = 'client' AND close_kind = 'fin'"
			       " AND server_port = 6379 AND init_rule = 'syn' AND end_reason = 'closed'"
			       " AND client_fin_delay_ms >= 0 AND capture_id = 1"), 15);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE client_socket_id IS NOT NULL"), 0);
	/* the same capture again adds nothing */
	assert_int_equal(load_input(&f->ld, CORPUS "tcpdump-resp_1_benchmark.pcap"), 0);
	assert_int_equal(f->ld.rep.skipped_dup, 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns"), 15);
}

/* Every corpus capture loads; the totals are the corpus table's (test_parse_pcap). */
static void t_corpus_directory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_input(&f->ld, "tests/data/corpus/pcap"), 0);
	assert_int_equal(f->ld.rep.loaded, 31);
	assert_int_equal(f->ld.rep.failed, 0);
	assert_int_equal(q_int(f, "SELECT sum(packets) FROM captures"), 3413);
	assert_int_equal(q_int(f, "SELECT sum(malformed) + sum(cut) + sum(read_error) FROM captures"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE source_id = (SELECT id FROM sources"
			       " WHERE path LIKE '%http-methods-49flows.pcap')"), 49);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE source_id = (SELECT id FROM sources"
			       " WHERE path LIKE '%ssh-ssh-23flows.pcap')"), 23);
}

/* ---- hand-made captures ---------------------------------------------------- */

static void le32(FILE *o, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	assert_int_equal(fwrite(b, 1, 4, o), 4);
}

/* One raw-IPv4 TCP segment, 10.0.0.<c>:port <-> 10.0.0.9:8080. */
static void seg(FILE *o, int64_t ms, int client, unsigned cport, unsigned flags, uint32_t seq, unsigned len)
{
	unsigned char b[40];
	unsigned sport = client ? cport : 8080, dport = client ? 8080 : cport;
	int64_t ns = INT64_C(1700000000000000000) + ms * 1000000;

	memset(b, 0, sizeof(b));
	b[0] = 0x45;
	b[2] = (unsigned char)((40 + len) >> 8);
	b[3] = (unsigned char)(40 + len);
	b[9] = 6;
	b[12] = 10, b[15] = client ? 1 : 9;
	b[16] = 10, b[19] = client ? 9 : 1;
	b[20] = (unsigned char)(sport >> 8), b[21] = (unsigned char)sport;
	b[22] = (unsigned char)(dport >> 8), b[23] = (unsigned char)dport;
	b[24] = (unsigned char)(seq >> 24), b[25] = (unsigned char)(seq >> 16);
	b[26] = (unsigned char)(seq >> 8), b[27] = (unsigned char)seq;
	b[32] = 5 << 4;
	b[33] = (unsigned char)flags;
	b[34] = 1;
	le32(o, (uint32_t)(ns / 1000000000));
	le32(o, (uint32_t)(ns % 1000000000));
	le32(o, 40);                  /* headers only */
	le32(o, 40 + len);
	assert_int_equal(fwrite(b, 1, 40, o), 40);
}

/* Six connections the server closes 3.0 s after its answer, one it closes
 * at once, and one the client closes. */
static void write_timeouts(const char *path)
{
	FILE *o = fopen(path, "wb");
	unsigned i;

	assert_non_null(o);
	le32(o, 0xa1b23c4d);
	le32(o, 0x00040002);
	le32(o, 0);
	le32(o, 0);
	le32(o, 65535);
	le32(o, 101);
	for (i = 0; i < 8; i++) {
		int64_t t = (int64_t)i * 10000;
		unsigned port = 40000 + i;
		int64_t delay = i < 6 ? 3000 + (int64_t)i * 7 : 5;

		seg(o, t, 1, port, 0x02, 100, 0);
		seg(o, t + 1, 0, port, 0x12, 500, 0);
		seg(o, t + 2, 1, port, 0x10, 101, 0);
		seg(o, t + 3, 1, port, 0x18, 101, 50);
		seg(o, t + 4, 0, port, 0x18, 501, 900);
		if (i == 7) {
			seg(o, t + 5, 1, port, 0x11, 151, 0);
			seg(o, t + 6, 0, port, 0x11, 1401, 0);
		} else {
			seg(o, t + 4 + delay, 0, port, 0x11, 1401, 0);
			seg(o, t + 5 + delay, 1, port, 0x11, 151, 0);
		}
	}
	assert_int_equal(fclose(o), 0);
}

static void t_fixed_delay_cluster(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/timeouts.pcap", f->dir);
	write_timeouts(path);
	assert_int_equal(load_input(&f->ld, path), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns"), 8);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE closed_by = 'server'"), 7);
	assert_int_equal(q_int(f, "SELECT count(*) FROM close_delays"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM close_delays WHERE closer_role = 'server'"
			       " AND closer_addr = '10.0.0.9' AND closer_port = 8080 AND peer_addr = '10.0.0.1'"
			       " AND peer_port IS NULL AND n = 6 AND n_total = 8 AND n_closed = 7"
			       " AND delay_ms BETWEEN 3017 AND 3018 AND spread_ms BETWEEN 17 AND 18.5"
			       " AND tolerance_ms = 100"), 1);
	assert_int_equal(q_int(f, "SELECT last_ns - first_ns FROM close_delays"), INT64_C(50035) * 1000000);
}

/* A capture inside a tar.gz is found by its magic and loaded from memory. */
static void t_in_archive(void **state)
{
	struct fixture *f = *state;
	char cmd[512], tgz[128];

	snprintf(cmd, sizeof(cmd), "cp " CORPUS "zeek-tcp-missing-syn.pcap '%s/capture.bin' && "
		 "tar -czf '%s/caps.tar.gz' -C '%s' capture.bin", f->dir, f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(tgz, sizeof(tgz), "%s/caps.tar.gz", f->dir);
	assert_int_equal(load_input(&f->ld, tgz), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sources WHERE kind = 'pcap' AND path LIKE '%!capture.bin'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM tcp_conns WHERE init_rule = 'synack'"), 1);
}

/* Damaged and hostile captures: a clear message with the file and offset;
 * what can be read is kept, what cannot is not half-loaded. */
static void t_hostile(void **state)
{
	struct fixture *f = *state;
	char path[128], cmd[512];
	FILE *o;

	/* pcap magic, then garbage: the file header is cut */
	snprintf(path, sizeof(path), "%s/cut-header.pcap", f->dir);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite("\xd4\xc3\xb2\xa1garbage", 1, 11, o), 11);
	fclose(o);
	assert_int_equal(load_input(&f->ld, path), -1);
	assert_non_null(strstr(messages(f), "cut-header.pcap"));
	assert_non_null(strstr(messages(f), "at byte"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM sources"), 0);

	/* pcapng magic and nothing else that makes sense */
	snprintf(path, sizeof(path), "%s/bad.pcapng", f->dir);
	o = fopen(path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite("\x0a\x0d\x0d\x0a\xff\xff\xff\xff\x4d\x3c\x2b\x1a", 1, 12, o), 12);
	fclose(o);
	assert_int_equal(load_input(&f->ld, path), -1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sources"), 0);

	/* a good capture cut in the middle of a record: loads, marked incomplete */
	snprintf(path, sizeof(path), "%s/cut.pcap", f->dir);
	snprintf(cmd, sizeof(cmd), "head -c 1000 " CORPUS "zeek-http-methods-49flows.pcap > '%s'", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(load_input(&f->ld, path), 0);
	assert_int_equal(q_int(f, "SELECT complete FROM sources"), 0);
	assert_int_equal(q_int(f, "SELECT read_error FROM captures"), 1);
	assert_true(q_int(f, "SELECT packets FROM captures") > 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM load_notes WHERE message LIKE '%stopped after packet%'"), 1);
}

static void t_detect(void **state)
{
	(void)state;
	assert_int_equal(detect_format("\xd4\xc3\xb2\xa1\x02\x00", 6, "x"), FMT_PCAP);
	assert_int_equal(detect_format("\xa1\xb2\x3c\x4d", 4, "x"), FMT_PCAP);
	assert_int_equal(detect_format("\x0a\x0d\x0d\x0a", 4, "x"), FMT_PCAP);
	assert_int_equal(detect_format("\xa1\xb2\xc3", 3, "x"), FMT_UNKNOWN);
	assert_string_equal(format_name(FMT_PCAP), "pcap");
	assert_int_equal(format_by_name("pcap"), FMT_PCAP);
	assert_true(detect_pcap_magic("\x4d\x3c\xb2\xa1", 4));
	assert_false(detect_pcap_magic("PK\x03\x04", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_loose_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(t_corpus_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(t_fixed_delay_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(t_in_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(t_hostile, setup, teardown),
		cmocka_unit_test(t_detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
