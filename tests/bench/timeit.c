// SPDX-License-Identifier: GPL-2.0
/*
 * timeit CMD [ARG...]: run a command and print "elapsed_us N" on stderr
 * (CLOCK_MONOTONIC, microseconds) followed by its exit status; exits with
 * the command's status.  The guest's busybox has no precise timer.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long long start;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: timeit CMD [ARG...]\n");
		return 2;
	}
	start = now_us();
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("timeit: exec");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("timeit");
		return 2;
	}
	fprintf(stderr, "elapsed_us %lld\n", now_us() - start);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
