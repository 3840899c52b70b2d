// SPDX-License-Identifier: GPL-2.0
/*
 * sleepers N: start N threads that sleep (each blocked in pause()), print
 * "ready N" once all exist, then sleep too.  The benchmark's population
 * of sleeping tasks whose stacks the stack check must walk.  Killed by
 * the caller.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	long i, n = argc > 1 ? atol(argv[1]) : 0;
	int e;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++) {
		e = pthread_create(&t, &attr, sleeper, NULL);
		if (e) {
			fprintf(stderr, "sleepers: thread %ld: %s\n", i, strerror(e));
			return 1;
		}
	}
	printf("ready %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
