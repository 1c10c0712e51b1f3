/*
 * The reads of kept-open kernel files (the sampler's cgroup files, cgroupfs.KeptOpenFile's
 * /proc/stat and powercap), as the C reader makes them: one pread at offset 0
 * into the reader's direct buffer. Java's FileChannel makes the same system call, wrapped in its
 * interruptible-I/O bookkeeping (a thread set, begin/end, a second native call), which measured
 * about 6% of the agent's CPU at 2,000 cgroups; and each channel holds some 590 bytes of heap
 * (channel, descriptor, cleaner, thread set, its path as a string). Loaded by NativeFiles when
 * the build had a C compiler; without it the sampler reads through FileChannel.
 *
 * Errors come back as -errno, so Java can tell a vanished cgroup (ENOENT, ENODEV) from the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

JNIEXPORT jint JNICALL
Java_io_cgroupotel_cgroupfs_NativeFiles_open0(JNIEnv *env, jclass cls, jbyteArray path) {
  (void) cls;
  jsize n = (*env)->GetArrayLength(env, path);
  char name[4096];
  if (n <= 0 || n >= (jsize) sizeof(name)) {
    return -ENAMETOOLONG;
  }
  (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *) name);
  name[n] = '\0';
  if (memchr(name, '\0', (size_t) n) != NULL) {
    return -EINVAL; /* a NUL inside the name would open another file */
  }
  int fd;
  do {
    fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

JNIEXPORT jint JNICALL
Java_io_cgroupotel_cgroupfs_NativeFiles_pread0(JNIEnv *env, jclass cls, jint fd, jlong address,
                                               jint length, jlong offset) {
  (void) env;
  (void) cls;
  ssize_t n;
  do {
    n = pread(fd, (void *) (intptr_t) address, (size_t) length, (off_t) offset);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : (jint) n;
}

JNIEXPORT jint JNICALL
Java_io_cgroupotel_cgroupfs_NativeFiles_close0(JNIEnv *env, jclass cls, jint fd) {
  (void) env;
  (void) cls;
  /* no retry on EINTR: on Linux the descriptor is released whatever close returns */
  return close(fd) < 0 ? -errno : 0;
}

JNIEXPORT jlong JNICALL
Java_io_cgroupotel_cgroupfs_NativeFiles_address0(JNIEnv *env, jclass cls, jobject buffer) {
  (void) cls;
  return (jlong) (intptr_t) (*env)->GetDirectBufferAddress(env, buffer);
}
