// SPDX-License-Identifier: GPL-2.0
/*
 * latency SECONDS [CPU]: a busy userspace loop that reads CLOCK_MONOTONIC
 * as fast as it can for SECONDS (pinned to CPU if given) and reports the
 * longest gap between two consecutive readings: the worst stall any
 * running program saw meanwhile.  Prints
 *   max_gap_us N gaps_over_100us N loops N
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	long long start, prev, t, gap, max = 0, over = 0, loops = 0;
	cpu_set_t set;

	if (argc > 2) {
		CPU_ZERO(&set);
		CPU_SET(atoi(argv[2]), &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("latency: sched_setaffinity");
	}
	start = prev = now_ns();
	do {
		t = now_ns();
		gap = t - prev;
		if (gap > max)
			max = gap;
		if (gap > 100000)
			over++;
		prev = t;
		loops++;
	} while (t - start < (long long)(secs * 1e9));
	printf("max_gap_us %lld gaps_over_100us %lld loops %lld\n", max / 1000,
	       over, loops);
	return 0;
}
