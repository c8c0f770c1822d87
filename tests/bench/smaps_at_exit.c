/* smaps_at_exit.so: preloaded (LD_PRELOAD) into a command, copies its /proc/self/smaps to the file
 * named by PULLCRED_BENCH_SMAPS as the process exits, so that the bench can say which objects a cold
 * fetch's resident memory belongs to. Its destructor runs last: it was loaded first. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((destructor)) static void copy_smaps(void) {
    const char *target = getenv("PULLCRED_BENCH_SMAPS");
    if (target == NULL) return;
    int in = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    int out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char buffer[65536];
    ssize_t got = 0;
    while (in >= 0 && out >= 0 && (got = read(in, buffer, sizeof buffer)) > 0)
        if (write(out, buffer, (size_t)got) != got) break;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
}
