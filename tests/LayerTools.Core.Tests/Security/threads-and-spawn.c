/* What the C library does in nearly every RUN, for the seccomp test: a thread (glibc tries clone3,
   which the profile answers ENOSYS, then clone) and posix_spawn of another program. */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

extern char **environ;

static void *run(void *arg) { return arg; }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    pthread_t thread;
    int created = pthread_create(&thread, NULL, run, NULL);
    if (created == 0) pthread_join(thread, NULL);
    pid_t pid;
    char *child[] = { argv[1], NULL };
    int spawned = posix_spawn(&pid, argv[1], NULL, NULL, child, environ);
    int status = -1;
    if (spawned == 0) waitpid(pid, &status, 0);
    printf("thread=%d spawn=%d status=%d\n", created, spawned, status);
    return 0;
}
