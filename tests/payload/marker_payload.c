/* The drift test payload: a static program without libc whose very first instructions
 * create "drift-marker" in the current directory (the root, in a container) and exit.
 * If the marker exists after a test, at least one instruction of the payload ran. */
#include <fcntl.h>
#include <sys/syscall.h>

static long raw_syscall3(long number, long a, long b, long c)
{
	long result;
	__asm__ volatile("syscall"
			 : "=a"(result)
			 : "a"(number), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return result;
}

void _start(void)
{
	raw_syscall3(SYS_open, (long)"drift-marker", O_CREAT | O_WRONLY, 0644);
	raw_syscall3(SYS_exit_group, 0, 0, 0);
	for (;;) {
	}
}
