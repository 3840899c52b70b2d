// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-fuzz SECONDS: in a guest with ksplice.ko and ksplice_target.ko
 * loaded, feed the core module's own parsers (control, resolve, stage)
 * random and mutated lines for SECONDS: libFuzzer cannot reach kernel
 * code, and a user-space copy of a kernel parser would test the copy.
 * Valid-looking lines (real addresses and bytes of ksplice_target's
 * functions, mutated; `cold` lines; and the `pending`, `pfunc`, `pcode`
 * lines of a part for a module that is not loaded, for target
 * ksplice_pending_absent) are mixed with garbage.  No new-code module is
 * ever loaded, so no apply can succeed and the kernel's code is never
 * changed; what is tested is that no input oopses or warns (vm-run fails
 * on either), every write returns, and every file stays readable.  At the
 * end every update is dropped and only `control` may remain.  Prints
 * counts and SYSFS-FUZZ-OK.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROOT "/sys/kernel/ksplice"
#define NR_IDS 6

static const char *const ids[NR_IDS] = {
	"f0", "f1", "fuzz-2", "F_3", "a23456789012345678901234567890_2", "x"
};
static char value_info[256];
static unsigned long writes, refused, reads;

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)random() % n : 0;
}

static int write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	writes++;
	if (n < 0) {
		refused++;
		return -errno;
	}
	return 0;
}

static void read_all(const char *id)
{
	static const char *const files[] = {
		"stage", "abort_cause", "conflicts", "message", "targets",
		"functions", "pause_ns", "tries", "description",
	};
	char path[256], buf[8192];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), ROOT "/%s/%s", id, files[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) < 0 && errno != ENOENT) {
			fprintf(stderr, "sysfs-fuzz: reading %s: %s\n", path,
				strerror(errno));
			exit(1);
		}
		close(fd);
		reads++;
	}
}

static void rand_token(char *out, size_t max)
{
	static const char *const pool[] = {
		"sym", "func", "ksplice_target", "vmlinux", "ext4", "0", "1",
		"pending", "pfunc", "pcode", "ksplice_pending_absent", "xx",
		"-1", "0x0", "0xffffffffffffffff", "18446744073709551616", "5",
		"4294967296", "0x", "00", "e9", "0f1f440000",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"prepare", "drop", "apply", "reverse", "\t", "", "\xff\xfe",
		"cold",
	};
	size_t n, i;

	switch (rnd(3)) {
	case 0:
		snprintf(out, max, "%s", pool[rnd(sizeof(pool) / sizeof(pool[0]))]);
		break;
	case 1:
		snprintf(out, max, "0x%lx%08lx", (unsigned long)random(),
			 (unsigned long)random());
		break;
	default:
		n = rnd(max - 1 < 80 ? max - 1 : 80);
		for (i = 0; i < n; i++)
			out[i] = (char)(rnd(4) ? 'a' + rnd(26) : 1 + rnd(255));
		out[n] = '\0';
	}
}

/* A resolve line: real values of ksplice_target_value, mutated, or junk. */
static size_t resolve_text(char *buf, size_t max)
{
	char addr[64], size[32], hex[80], tok[96];
	size_t len = 0;
	unsigned int lines = 1 + rnd(rnd(8) ? 3 : 200), l, t;

	if (sscanf(value_info, "%63s %31s %79s", addr, size, hex) != 3)
		strcpy(addr, "0"), strcpy(size, "0"), strcpy(hex, "00");
	hex[10 + 2 * (5 + rnd(4))] = '\0';
	for (l = 0; l < lines && len < max - 512; l++) {
		switch (rnd(8)) {
		case 0:
			len += snprintf(buf + len, max - len,
					"func ksplice_target %u %s %s 5 %s\n",
					rnd(3), addr, size, hex + 10);
			break;
		case 1:
			len += snprintf(buf + len, max - len,
					"sym ksplice_target %u %s\n", rnd(3), addr);
			break;
		case 2: /* a pending part: indices and sizes in and out of range */
			len += snprintf(buf + len, max - len,
					"pending ksplice_pending_absent\n");
			break;
		case 3:
			len += snprintf(buf + len, max - len,
					"pfunc ksplice_pending_absent %u %s %u\n",
					rnd(4) ? rnd(3) : (unsigned int)random(),
					rnd(4) ? size : "0x100001", rnd(4) ? 5 : rnd(64));
			break;
		case 4:
			len += snprintf(buf + len, max - len,
					"pcode ksplice_pending_absent %u %u %s%s\n",
					rnd(3), rnd(4) ? 0 : rnd(300), hex + 10,
					rnd(2) ? "xx" : "x");
			break;
		case 5: /* a cold piece: of a function with or without a line */
			len += snprintf(buf + len, max - len,
					"cold ksplice_target %u %s %s\n", rnd(3),
					rnd(4) ? addr : "0", rnd(4) ? size : "0");
			break;
		default:
			for (t = rnd(10); t > 0; t--) {
				rand_token(tok, sizeof(tok));
				len += snprintf(buf + len, max - len, "%s ", tok);
			}
			buf[len++] = rnd(10) ? '\n' : ' ';
			buf[len] = '\0';
		}
		/* flip a few bytes of what was written */
		for (t = rnd(3); t > 0 && len; t--)
			buf[rnd(len)] = (char)rnd(256);
	}
	return len;
}

static void one_round(void)
{
	char path[256], buf[16384], tok[96];
	const char *id = ids[rnd(NR_IDS)];
	size_t len;

	switch (rnd(6)) {
	case 0: /* control: a valid verb and id, or junk */
		if (rnd(4)) {
			len = snprintf(buf, sizeof(buf), "%s %s\n",
				       rnd(2) ? "prepare" : "drop", id);
		} else {
			rand_token(tok, sizeof(tok));
			len = snprintf(buf, sizeof(buf), "%s %s", tok,
				       rnd(2) ? id : "../x");
		}
		write_file(ROOT "/control", buf, len);
		break;
	case 1: case 2: case 3:
		snprintf(path, sizeof(path), ROOT "/%s/resolve", id);
		len = resolve_text(buf, rnd(8) ? 4096 : sizeof(buf));
		write_file(path, buf, len);
		break;
	case 4:
		snprintf(path, sizeof(path), ROOT "/%s/stage", id);
		if (rnd(3)) {
			len = snprintf(buf, sizeof(buf), "%s\n",
				       rnd(2) ? "apply" : "reverse");
		} else {
			rand_token(tok, sizeof(tok));
			len = snprintf(buf, sizeof(buf), "%s", tok);
		}
		write_file(path, buf, len);
		break;
	default:
		read_all(id);
	}
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 10;
	time_t end = time(NULL) + (time_t)secs;
	unsigned long rounds = 0;
	struct dirent *e;
	char buf[64];
	DIR *d;
	FILE *f;
	int i, left = 0;

	srandom((unsigned int)time(NULL));
	f = fopen("/sys/module/ksplice_target/parameters/value_info", "r");
	if (!f || !fgets(value_info, sizeof(value_info), f)) {
		fprintf(stderr, "sysfs-fuzz: ksplice_target is not loaded\n");
		return 1;
	}
	fclose(f);
	while (time(NULL) < end) {
		one_round();
		rounds++;
	}
	for (i = 0; i < NR_IDS; i++) {
		int n = snprintf(buf, sizeof(buf), "drop %s\n", ids[i]);

		write_file(ROOT "/control", buf, (size_t)n);
	}
	d = opendir(ROOT);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "control")) {
			fprintf(stderr, "sysfs-fuzz: %s left after dropping all\n",
				e->d_name);
			left++;
		}
	if (d)
		closedir(d);
	printf("sysfs-fuzz: %lu rounds in %.0f s: %lu writes (%lu refused), %lu reads\n",
	       rounds, secs, writes, refused, reads);
	if (left)
		return 1;
	printf("SYSFS-FUZZ-OK\n");
	return 0;
}
