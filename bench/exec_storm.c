/* Drives the sensor's event path: WORKERS processes each fork+exec PATH in a loop for
 * SECONDS and count how every child ended. Part of a benchmark image, so it is not drift
 * itself; PATH is the drifted file.
 *   exec_storm PATH SECONDS WORKERS
 * Prints: execs=N exited=N killed=N other=N seconds=S
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tally {
	unsigned long execs, exited, killed, other;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	const char *path = argv[1];
	double seconds = atof(argv[2]);
	int workers = atoi(argv[3]);
	struct tally *tallies = mmap(NULL, sizeof(struct tally) * (size_t)workers,
				     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tallies == MAP_FAILED)
		return 3;
	char *child_argv[] = {(char *)path, NULL};
	char *child_env[] = {NULL};
	double start = now();
	for (int w = 0; w < workers; w++) {
		if (fork() == 0) {
			struct tally *mine = &tallies[w];
			while (now() - start < seconds) {
				pid_t child = vfork();
				if (child == 0) {
					execve(path, child_argv, child_env);
					_exit(127);
				}
				int status = 0;
				waitpid(child, &status, 0);
				mine->execs++;
				if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
					mine->exited++;
				else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
					mine->killed++;
				else
					mine->other++;
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	struct tally total = {0};
	for (int w = 0; w < workers; w++) {
		total.execs += tallies[w].execs;
		total.exited += tallies[w].exited;
		total.killed += tallies[w].killed;
		total.other += tallies[w].other;
	}
	printf("execs=%lu exited=%lu killed=%lu other=%lu seconds=%.3f\n", total.execs,
	       total.exited, total.killed, total.other, now() - start);
	return 0;
}
