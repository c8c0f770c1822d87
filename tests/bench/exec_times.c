/* exec_times SPEC RUNS WARMUP: times commands the way kubelet runs a plugin,
 * fork, exec and wait, from a small static parent, interleaved (each round
 * runs every command once, in turn) so that the load of a shared machine
 * falls on all of them alike. SPEC has one command a line, fields separated
 * by tabs: NAME, STDIN (a file, or - for /dev/null), PREPARE (a shell command
 * run untimed before each run, or -), then the program and its arguments.
 * Prints "NAME<TAB>SECONDS" for every timed run; exits 1 when a command fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxCommands = 16, kMaxArgs = 32 };

struct command {
    char *name, *input, *prepare;
    char *argv[kMaxArgs + 1];
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run(const struct command *command, double *seconds) {
    if (strcmp(command->prepare, "-") != 0 && system(command->prepare) != 0) return -1;
    const char *input = strcmp(command->input, "-") == 0 ? "/dev/null" : command->input;
    double start = now();
    pid_t child = fork();
    if (child == 0) {
        int in = open(input, O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(command->argv[0], command->argv);
        _exit(127);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child) return -1;
    *seconds = now() - start;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fputs("usage: exec_times SPEC RUNS WARMUP\n", stderr);
        return 2;
    }
    FILE *spec = fopen(argv[1], "r");
    if (spec == NULL) return 2;
    static struct command commands[kMaxCommands];
    int count = 0;
    char *line = NULL;
    size_t size = 0;
    while (count < kMaxCommands && getline(&line, &size, spec) > 0) {
        line[strcspn(line, "\n")] = '\0';
        struct command *command = &commands[count];
        char *rest = strdup(line);
        command->name = strsep(&rest, "\t");
        command->input = strsep(&rest, "\t");
        command->prepare = strsep(&rest, "\t");
        int n = 0;
        while (rest != NULL && n < kMaxArgs) command->argv[n++] = strsep(&rest, "\t");
        command->argv[n] = NULL;
        if (command->prepare == NULL || n == 0) return 2;
        ++count;
    }
    int runs = atoi(argv[2]), warmup = atoi(argv[3]);
    for (int round = 0; round < warmup + runs; ++round) {
        for (int i = 0; i < count; ++i) {
            double seconds = 0;
            if (run(&commands[i], &seconds) != 0) {
                fprintf(stderr, "exec_times: %s failed\n", commands[i].name);
                return 1;
            }
            if (round >= warmup) printf("%s\t%.9f\n", commands[i].name, seconds);
        }
    }
    return 0;
}
