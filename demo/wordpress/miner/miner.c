/* driftguard demo: a HARMLESS stand-in for a crypto-miner. It mines nothing. It does what
 * makes a miner visible: it connects to a "pool" (host and port from argv, default
 * 127.0.0.1:3333), sends a stratum-style login line, and burns one CPU for SECONDS
 * (default 30) computing a useless hash loop. Static, so it runs in any container.
 *   miner [HOST [PORT [SECONDS]]]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? atoi(argv[2]) : 3333;
	int seconds = argc > 3 ? atoi(argv[3]) : 30;

	int sock = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in pool = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, host, &pool.sin_addr);
	if (sock >= 0 && connect(sock, (struct sockaddr *)&pool, sizeof(pool)) == 0) {
		const char *login = "{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"demo-wallet\","
				    "\"agent\":\"driftguard-demo-miner\"}}\n";
		if (write(sock, login, strlen(login)) < 0)
			perror("pool");
		printf("miner: connected to pool %s:%d\n", host, port);
	} else {
		printf("miner: pool %s:%d unreachable, mining anyway\n", host, port);
	}
	fflush(stdout);
	time_t end = time(NULL) + seconds;
	volatile uint64_t state = 0x9e3779b97f4a7c15ULL;
	while (time(NULL) < end)
		for (int i = 0; i < 1000000; i++)
			state = (state ^ (state >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return 0;
}
