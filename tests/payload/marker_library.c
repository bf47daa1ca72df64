/* The drift test library: its constructor creates /drift-marker when it is loaded
 * (LD_PRELOAD, dlopen). If the marker exists, code from the library ran. */
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void leave_marker(void)
{
	int fd = open("/drift-marker", O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

int drift_library_symbol(void)
{
	return 42;
}
