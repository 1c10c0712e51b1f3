package io.cgroupotel.receiver;

import io.opentelemetry.sdk.common.Clock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names of UIDs, as the node resolves them: {@code /etc/passwd} first (read again when it
 * changes), then the system's NSS ({@code getent passwd <uid>}, e.g. LDAP or SSSD users) on a
 * background thread with a short timeout. Results are cached; a UID that did not resolve is tried
 * again after {@link #RETRY_AFTER}. UID 0 is always {@code root}.
 *
 * <p>{@link #lookup} never blocks on NSS: it answers from what is known and starts a lookup.
 * Thread-safe. Shared by the receivers that name the owners of jobs (oar3, slurm).
 */
public final class UserNames implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UserNames.class);
  static final Duration GETENT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration RETRY_AFTER = Duration.ofMinutes(5);

  private final Path passwd;
  private final LongFunction<Optional<String>> nss;
  private final ExecutorService executor;
  private final Map<Long, String> resolved = new ConcurrentHashMap<>();
  private final Map<Long, Long> pendingOrFailedAt = new ConcurrentHashMap<>(); // uid -> nanoTime
  private final Clock clock;
  private Map<Long, String> passwdNames = Map.of();
  private FileTime passwdTime;

  /** Resolves with {@code /etc/passwd} and {@code getent}. */
  public UserNames() {
    this(Path.of("/etc/passwd"), UserNames::getent);
  }

  /**
   * @param passwd a file in passwd(5) format
   * @param nss the slow path, run on a background thread
   */
  public UserNames(Path passwd, LongFunction<Optional<String>> nss) {
    this(passwd, nss, Clock.getDefault());
  }

  /** @param clock its {@code nanoTime()} spaces the retries of names NSS did not know */
  public UserNames(Path passwd, LongFunction<Optional<String>> nss, Clock clock) {
    this.clock = clock;
    this.passwd = passwd;
    this.nss = nss;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "user-names");
      t.setDaemon(true);
      return t;
    });
  }

  /** The name of {@code uid} if known now; starts an NSS lookup in the background if not. */
  public Optional<String> lookup(long uid) {
    if (uid == 0) {
      return Optional.of("root");
    }
    String name = resolved.get(uid);
    if (name != null) {
      return Optional.of(name);
    }
    name = fromPasswd(uid);
    if (name != null) {
      resolved.put(uid, name);
      return Optional.of(name);
    }
    long now = clock.nanoTime();
    Long since = pendingOrFailedAt.get(uid);
    if (since == null || now - since > RETRY_AFTER.toNanos()) {
      if (since == null ? pendingOrFailedAt.putIfAbsent(uid, now) == null
          : pendingOrFailedAt.replace(uid, since, now)) {
        try {
          executor.execute(() -> {
            Optional<String> found = nss.apply(uid);
            found.ifPresent(n -> resolved.put(uid, n));
            if (found.isPresent()) {
              pendingOrFailedAt.remove(uid);
            } else {
              pendingOrFailedAt.put(uid, clock.nanoTime());
            }
          });
        } catch (RejectedExecutionException closed) {
          // closing
        }
      }
    }
    return Optional.empty();
  }

  private synchronized String fromPasswd(long uid) {
    try {
      FileTime time = Files.getLastModifiedTime(passwd);
      if (!time.equals(passwdTime)) {
        passwdNames = parsePasswd(Files.readAllLines(passwd, StandardCharsets.UTF_8));
        passwdTime = time;
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read {}: {}", passwd, e.toString());
    }
    return passwdNames.get(uid);
  }

  /** name:passwd:uid:gid:gecos:home:shell lines; the first name of a UID wins. */
  static Map<Long, String> parsePasswd(List<String> lines) {
    Map<Long, String> names = new HashMap<>();
    for (String line : lines) {
      String[] f = line.split(":", -1);
      if (f.length < 3 || f[0].isEmpty() || line.startsWith("#")) {
        continue;
      }
      long uid = parseUid(f[2]);
      if (uid >= 0) {
        names.putIfAbsent(uid, f[0]);
      }
    }
    return names;
  }

  /** Unsigned decimal without sign or leading zeros, at most 32 bits; -1 if not one. */
  static long parseUid(String s) {
    return Ids.parseUid(s);
  }

  /** {@code getent passwd <uid>}, killed after {@link #GETENT_TIMEOUT}. */
  static Optional<String> getent(long uid) {
    Process p = null;
    try {
      p = new ProcessBuilder("getent", "passwd", Long.toString(uid))
          .redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      // one passwd line fits in the pipe buffer: wait first, then read, so a hung NSS times out
      if (!p.waitFor(GETENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        return Optional.empty();
      }
      byte[] out = p.getInputStream().readNBytes(4096);
      Map<Long, String> m = parsePasswd(new String(out, StandardCharsets.UTF_8).lines().toList());
      return Optional.ofNullable(m.get(uid));
    } catch (IOException e) {
      LOG.debug("getent passwd {}: {}", uid, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
