/* A dynamic drift payload for `ld.so /tmp/x`: main() creates /drift-marker. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	int fd = open("/drift-marker", O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}
