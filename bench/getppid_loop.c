/* A system-call-heavy loop: COUNT getppid() calls (the cheapest call the kernel has), then
 * prints the mean nanoseconds per call. Static, so it runs in any container.
 *   getppid_loop [COUNT]   default 5,000,000 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 5000000L;
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid); /* not cached by libc */
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
	printf("%.1f\n", ns / count);
	return 0;
}
