package io.cgroupotel.receiver.oar3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * User names of numeric uids, as the node resolves them: {@code /etc/passwd}, then the system's
 * NSS through {@code getent passwd} (LDAP and SSSD users of HPC clusters). Cached, misses too.
 * Thread-safe.
 */
final class UserNames {
  private final Path passwd;
  private final boolean useGetent;
  private final Map<Long, Optional<String>> cache = new ConcurrentHashMap<>();

  UserNames(Path passwd, boolean useGetent) {
    this.passwd = passwd;
    this.useGetent = useGetent;
  }

  static UserNames system() {
    return new UserNames(Path.of("/etc/passwd"), true);
  }

  Optional<String> name(long uid) {
    return cache.computeIfAbsent(uid, this::lookUp);
  }

  private Optional<String> lookUp(long uid) {
    Optional<String> local = fromPasswd(uid);
    if (local.isPresent() || !useGetent) {
      return local;
    }
    return fromGetent(uid);
  }

  private Optional<String> fromPasswd(long uid) {
    try {
      for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
        String[] f = line.split(":", -1);
        if (f.length >= 3 && f[2].equals(Long.toString(uid)) && !f[0].isEmpty()) {
          return Optional.of(f[0]);
        }
      }
    } catch (IOException e) {
      // no passwd file here: NSS may still know
    }
    return Optional.empty();
  }

  private static Optional<String> fromGetent(long uid) {
    try {
      Process p = new ProcessBuilder("getent", "passwd", Long.toString(uid))
          .redirectErrorStream(true).start();
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String[] f = out.trim().split(":", -1);
      return p.exitValue() == 0 && f.length >= 3 && !f[0].isEmpty()
          ? Optional.of(f[0]) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
