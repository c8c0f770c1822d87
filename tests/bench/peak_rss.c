/* peak_rss OUT COMMAND [ARGS...]: runs COMMAND (stdin and stdout passed
 * through) and writes its peak resident set size in KiB to OUT. A small
 * static parent keeps the figure honest: Linux charges a child the
 * high-water RSS of the address space it was forked from. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fputs("usage: peak_rss OUT COMMAND [ARGS...]\n", stderr);
        return 2;
    }
    pid_t child = fork();
    if (child == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4(child, &status, 0, &usage) < 0) return 1;
    FILE *out = fopen(argv[1], "w");
    if (out == NULL) return 1;
    fprintf(out, "%ld\n", usage.ru_maxrss);
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
