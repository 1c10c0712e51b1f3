package io.cgroupotel.sampler;

import java.nio.file.Path;

/** How cgroup paths are shown, in attributes, ids and logs. */
public final class CgroupPaths {
  private CgroupPaths() {}

  /**
   * {@code /a/b} for the relative path {@code a/b}, {@code /} for the root. A cgroup name is bytes:
   * what the JVM's charset cannot decode (any non-ASCII byte when no UTF-8 locale is set, an
   * invalid UTF-8 sequence otherwise) shows as U+FFFD, so the result is always valid Unicode and
   * valid UTF-8 in OTLP. The launcher sets a UTF-8 locale so that UTF-8 names show as written.
   */
  public static String display(Path relative) {
    String s = relative.toString();
    return s.isEmpty() ? "/" : "/" + s;
  }
}
