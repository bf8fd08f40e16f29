/*
 * attach: --attach FILE copies files the user names (a goroutine dump taken
 * by hand, an nginx error log) into the bundle verbatim, once, right after
 * the manifest: attach/NN-BASENAME with the file's mtime, and
 * attach/index.json saying where each came from and what went wrong.
 * A log that grows while we read it is copied up to its size at open.
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"

static int attach_one(struct collector *c, const char *path, unsigned idx, struct strbuf *index)
{
	char member[256], buf[65536];
	const char *base = strrchr(path, '/');
	struct stat st;
	uint64_t left, copied = 0;
	int fd, r = 0, err = 0;

	base = base ? base + 1 : path;
	snprintf(member, sizeof(member), "attach/%02u-%.200s", idx, base);
	strbuf_addstr(index, idx > 1 ? ",{" : "{");
	json_kv_str(index, "path", path, 1);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = fd < 0 ? errno : S_ISREG(st.st_mode) ? errno : EINVAL;
		json_kv_str(index, "outcome", "unreadable", 0);
		json_kv_str(index, "error", err == EINVAL ? "not a regular file" : strerror(err), 0);
		strbuf_addch(index, '}');
		if (fd >= 0)
			close(fd);
		return 0;
	}
	left = (uint64_t)st.st_size;
	if ((r = bw_member_begin(c->bw, member, st.st_mtim.tv_sec)) != 0)
		goto out;
	while (left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		if ((r = bw_member_write(c->bw, buf, (size_t)n)) != 0)
			goto out;
		left -= (uint64_t)n;
		copied += (uint64_t)n;
	}
	r = bw_member_end(c->bw);
out:
	close(fd);
	json_kv_str(index, "member", r ? NULL : member, 0);
	json_kv_u64(index, "size", (uint64_t)st.st_size, 0);
	json_kv_u64(index, "copied", copied, 0);
	json_kv_i64(index, "mtime_ns", (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, 0);
	json_kv_str(index, "outcome", r == BW_FULL ? "cut" : r ? "failed" : err ? "partial" : "ok", 0);
	if (err)
		json_kv_str(index, "error", strerror(err), 0);
	strbuf_addch(index, '}');
	return r;
}

int attach_files(struct collector *c)
{
	struct strbuf index = STRBUF_INIT;
	struct clock_set now;
	size_t i;
	int r = 0;

	if (!c->opt->nattach)
		return 0;
	strbuf_addch(&index, '[');
	for (i = 0; i < c->opt->nattach && r >= 0; i++)
		r = attach_one(c, c->opt->attach[i], (unsigned)i + 1, &index);
	strbuf_addstr(&index, "]\n");
	clock_now(&now);
	if (r >= 0)
		r = bw_add_reserved(c->bw, "attach/index.json", now.wall_ns / 1000000000, index.buf, index.len);
	strbuf_release(&index);
	if (r < 0)
		return -1;
	return bw_end_frame(c->bw);
}
