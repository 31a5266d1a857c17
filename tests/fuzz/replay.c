/* Runs a fuzz harness without libFuzzer: each file named, or each file in
 * each folder named, once through LLVMFuzzerTestOneInput, from a heap copy
 * of its exact size (an over-read by one byte is one for ASan too). This is
 * how `make test` replays the seed corpus and the regression inputs.
 * Prints "N passed, 0 failed"; a finding aborts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

static int replay_failed;

static void replay_file(const char *path)
{
	struct stat sb;
	uint8_t *buf;
	size_t size, got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(stderr, "replay: error: unable to open %s: %s\n", path,
			strerror(errno));
		replay_failed++;
		return;
	}
	size = (size_t)sb.st_size;
	buf = malloc(size ? size : 1);
	while (buf && got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (!buf || got != size) {
		fprintf(stderr, "replay: error: unable to read %s\n", path);
		free(buf);
		replay_failed++;
		return;
	}
	LLVMFuzzerTestOneInput(buf, size);
	free(buf);
}

int main(int argc, char **argv)
{
	int files = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char path[4096];

		if (!d) {
			replay_file(argv[i]);
			files++;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			replay_file(path);
			files++;
		}
		closedir(d);
	}
	printf("%d passed, %d failed\n", files - replay_failed, replay_failed);
	return replay_failed != 0;
}
