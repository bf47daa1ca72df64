/* An image-side helper for the attacks that need system calls a shell cannot make.
 * It is part of the test "image" (lower layer), so running it is legitimate; what it
 * does with the drifted file is what the sensor must stop.
 *
 *   drift_helper memfd FILE         copy FILE into a memfd and execveat(AT_EMPTY_PATH) it
 *   drift_helper fexecve-deleted FILE   open FILE, unlink it, fexecve the descriptor
 *   drift_helper mprotect FILE      map FILE read-only, then mprotect(PROT_READ|PROT_EXEC)
 *   drift_helper proc-mem           open /proc/self/mem for writing
 * Exit codes: 0 the attack step returned (it should not have under enforce), 2 usage,
 * 3 setup failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int copy_into(int to, const char *path)
{
	int from = open(path, O_RDONLY);
	if (from < 0)
		return -1;
	char buffer[65536];
	ssize_t got;
	while ((got = read(from, buffer, sizeof(buffer))) > 0)
		if (write(to, buffer, (size_t)got) != got)
			return -1;
	close(from);
	return got < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char *const child_argv[] = {"payload", NULL};
	if (strcmp(argv[1], "memfd") == 0 && argc == 3) {
		int fd = memfd_create("payload", MFD_CLOEXEC);
		if (fd < 0 || copy_into(fd, argv[2]) != 0)
			return 3;
		syscall(SYS_execveat, fd, "", child_argv, environ, AT_EMPTY_PATH);
		return 3;
	}
	if (strcmp(argv[1], "fexecve-deleted") == 0 && argc == 3) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || unlink(argv[2]) != 0)
			return 3;
		fexecve(fd, child_argv, environ);
		return 3;
	}
	if (strcmp(argv[1], "mprotect") == 0 && argc == 3) {
		int fd = open(argv[2], O_RDONLY);
		struct stat info;
		if (fd < 0 || fstat(fd, &info) != 0)
			return 3;
		void *map = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return 3;
		if (mprotect(map, (size_t)info.st_size, PROT_READ | PROT_EXEC) != 0)
			return 3;
		return 0;
	}
	if (strcmp(argv[1], "proc-mem") == 0) {
		int fd = open("/proc/self/mem", O_RDWR);
		return fd < 0 ? 3 : 0;
	}
	return 2;
}
