/* The two operations every backend judges, in a loop: COUNT fork+execs of this program
 * (which exits at once), or COUNT executable mappings (mmap PROT_READ|PROT_EXEC of this
 * program's first page, then munmap). Prints the mean nanoseconds per operation. Static,
 * so it runs in any container; it is part of the benchmark image, so it is judged as an
 * image file (allowed) every time.
 *   exec_mmap_loop fork-exec COUNT SELF    SELF: this program's path
 *   exec_mmap_loop mmap COUNT SELF
 *   exec_mmap_loop exit                    what fork-exec runs */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "exit") == 0)
        return 0;
    if (argc != 4)
        return 2;
    long count = atol(argv[2]);
    const char* self = argv[3];
    double start = now_ns();
    if (strcmp(argv[1], "fork-exec") == 0) {
        for (long i = 0; i < count; i++) {
            pid_t child = fork();
            if (child == 0) {
                char* const args[] = {(char*)self, (char*)"exit", NULL};
                execv(self, args);
                _exit(127);
            }
            int status = 0;
            if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
                return 3;
        }
    } else if (strcmp(argv[1], "mmap") == 0) {
        int fd = open(self, O_RDONLY);
        if (fd < 0)
            return 3;
        for (long i = 0; i < count; i++) {
            void* map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
            if (map == MAP_FAILED)
                return 3;
            munmap(map, 4096);
        }
    } else {
        return 2;
    }
    printf("%.0f\n", (now_ns() - start) / (double)count);
    return 0;
}
