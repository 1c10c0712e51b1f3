package io.cgroupotel.receiver;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Include globs on cgroup paths (the raw receiver's {@code include}, and any receiver that lets
 * the user name its cgroups): which cgroups to export, and (so that the watcher does not watch the
 * whole machine for nothing) which directories can hold one.
 *
 * <p>Globs are matched on paths relative to the receiver's root, without a leading slash;
 * {@code "."}, {@code "/"} and {@code ""} stand for the root itself. Immutable, thread-safe.
 */
public final class IncludeGlobs {
  private final List<Glob> globs = new ArrayList<>();

  private record Glob(PathMatcher whole, List<PathMatcher> segments, boolean anyDepth,
      boolean root) {}

  public IncludeGlobs(List<String> patterns) {
    for (String pattern : patterns) {
      String p = normalize(pattern);
      if (p.isEmpty()) {
        globs.add(new Glob(null, List.of(), false, true));
        continue;
      }
      List<PathMatcher> segments = new ArrayList<>();
      for (String segment : p.split("/")) {
        segments.add(matcher(segment));
      }
      globs.add(new Glob(matcher(p), segments, p.contains("**"), false));
    }
  }

  /** Null when the glob compiles, else what is wrong with it. */
  public static String check(String pattern) {
    try {
      matcher(normalize(pattern).isEmpty() ? "x" : normalize(pattern));
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Whether the cgroup at {@code relative} (empty path = the root) is exported. */
  public boolean includes(Path relative) {
    boolean isRoot = relative.toString().isEmpty();
    for (Glob g : globs) {
      if (isRoot ? g.root() : (!g.root() && g.whole().matches(relative))) {
        return true;
      }
    }
    return false;
  }

  /** Whether a directory at {@code relative} may contain an included cgroup. */
  public boolean mayContain(Path relative) {
    int depth = relative.toString().isEmpty() ? 0 : relative.getNameCount();
    for (Glob g : globs) {
      if (g.root()) {
        continue;
      }
      if (g.anyDepth()) {
        return true;
      }
      if (g.segments().size() <= depth) {
        continue;
      }
      boolean prefixMatches = true;
      for (int i = 0; i < depth && prefixMatches; i++) {
        prefixMatches = g.segments().get(i).matches(relative.getName(i));
      }
      if (prefixMatches) {
        return true;
      }
    }
    return false;
  }

  private static String normalize(String pattern) {
    String p = pattern.trim();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.equals(".") ? "" : p;
  }

  private static PathMatcher matcher(String glob) {
    return FileSystems.getDefault().getPathMatcher("glob:" + glob);
  }
}
