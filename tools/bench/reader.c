/*
 * The C floor of the CPU benchmark: reads every file named in a list once a second, either the
 * naive way (open, read, close each time) or the way the agent does (every file kept open, one
 * pread at offset 0 per read). Runs until killed; its CPU time is read from /proc by the caller.
 *
 *   reader open|pread LIST_FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s open|pread LIST_FILE\n", argv[0]);
    return 2;
  }
  int keep = strcmp(argv[1], "pread") == 0;
  FILE *list = fopen(argv[2], "r");
  if (!list) {
    perror(argv[2]);
    return 2;
  }
  size_t n = 0, cap = 1024;
  char **paths = malloc(cap * sizeof *paths);
  int *fds = NULL;
  char line[4096];
  while (fgets(line, sizeof line, list)) {
    line[strcspn(line, "\n")] = 0;
    if (n == cap) paths = realloc(paths, (cap *= 2) * sizeof *paths);
    paths[n++] = strdup(line);
  }
  fclose(list);
  if (keep) {
    fds = malloc(n * sizeof *fds);
    for (size_t i = 0; i < n; i++) fds[i] = open(paths[i], O_RDONLY);
  }
  unsigned long sink = 0;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    for (size_t i = 0; i < n; i++) {
      ssize_t got;
      if (keep) {
        got = pread(fds[i], buf, sizeof buf, 0);
      } else {
        int fd = open(paths[i], O_RDONLY);
        got = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        if (fd >= 0) close(fd);
      }
      if (got > 0) sink += (unsigned char) buf[0];
    }
    next.tv_sec += 1;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    if (sink == 42) puts("");
  }
}
