/*
 * testsys: the clock, sleeps and /proc/self counts of the tests that
 * watch the test process itself (threads and fds left behind).
 */
#ifndef SM_TEST_TESTSYS_H
#define SM_TEST_TESTSYS_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t testsys_now_ms(void);
void testsys_sleep_ms(unsigned ms);
/* Entries in a directory, dot files aside: /proc/self/task (threads) or /proc/self/fd. */
int testsys_count_entries(const char *dir);

#endif
