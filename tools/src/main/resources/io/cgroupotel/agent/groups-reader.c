/* The C side of the groups benchmark: reads a list of cgroup files ROUNDS times, either kept
 * open and re-read with one pread at offset 0 each (MODE pread) or opened, read and closed each
 * time (MODE open). Prints the CPU time (utime + stime, getrusage) of one round in nanoseconds,
 * opening excluded for pread, then the wall time of one round.
 * Usage: groups-reader LISTFILE ROUNDS MODE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ns(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL
      + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

static long long wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s LIST ROUNDS pread|open\n", argv[0]); return 2; }
  FILE *list = fopen(argv[1], "r");
  if (!list) { perror(argv[1]); return 2; }
  size_t n = 0, cap = 1024;
  char **paths = malloc(cap * sizeof *paths);
  char line[4096];
  while (fgets(line, sizeof line, list)) {
    line[strcspn(line, "\n")] = 0;
    if (n == cap) paths = realloc(paths, (cap *= 2) * sizeof *paths);
    paths[n++] = strdup(line);
  }
  fclose(list);
  int rounds = atoi(argv[2]);
  int keep = strcmp(argv[3], "pread") == 0;
  int *fds = malloc(n * sizeof *fds);
  if (keep) {
    for (size_t i = 0; i < n; i++) fds[i] = open(paths[i], O_RDONLY);
  }
  static char buf[65536];
  long long sink = 0;
  long long c0 = 0, w0 = 0;
  for (int r = -2; r < rounds; r++) {  /* two warm rounds */
    if (r == 0) { c0 = cpu_ns(); w0 = wall_ns(); }
    for (size_t i = 0; i < n; i++) {
      if (keep) {
        if (fds[i] < 0) continue;
        ssize_t got = pread(fds[i], buf, sizeof buf, 0);
        if (got > 0) sink += buf[0];
      } else {
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0) continue;
        ssize_t got = read(fd, buf, sizeof buf);
        if (got > 0) sink += buf[0];
        close(fd);
      }
    }
  }
  printf("%lld %lld\n", (cpu_ns() - c0) / rounds, (wall_ns() - w0) / rounds);
  return sink == -1;
}
