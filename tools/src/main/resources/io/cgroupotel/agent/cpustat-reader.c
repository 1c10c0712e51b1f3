/* The physical floor for the benchmark: open, read and close each cpu.stat of a list,
 * as a C program does it, nothing else. Usage: cpustat-reader LISTFILE ROUNDS
 * Prints the median time of one round over all files, in nanoseconds. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s LIST ROUNDS\n", argv[0]); return 2; }
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
  long long *times = malloc(rounds * sizeof *times);
  char buf[4096];
  long long sink = 0;
  for (int r = 0; r < rounds; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
      int fd = open(paths[i], O_RDONLY);
      if (fd < 0) continue;
      ssize_t got = read(fd, buf, sizeof buf);
      if (got > 0) sink += buf[0];
      close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    times[r] = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  }
  qsort(times, rounds, sizeof *times, cmp);
  printf("%lld\n", times[rounds / 2]);
  return sink == -1;
}
