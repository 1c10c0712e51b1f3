package io.cgroupotel.exporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A real small file system that fills up: a tmpfs of the given size mounted at {@code dir/small},
 * unmounted on close. Needs root: under {@code CI=true} a failed mount fails the test, elsewhere
 * it skips.
 */
public final class SmallTmpfs implements AutoCloseable {
  private final Path mount;

  private SmallTmpfs(Path mount) {
    this.mount = mount;
  }

  /** @param size as tmpfs takes it, e.g. {@code 64k}, {@code 1m} */
  public static SmallTmpfs mount(Path dir, String size) throws Exception {
    Path mount = Files.createDirectories(dir.resolve("small"));
    if (!run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI=true: cannot mount a tmpfs at " + mount + " (needs root)");
      }
      Assumptions.assumeTrue(false, "cannot mount a tmpfs here (not root)");
    }
    return new SmallTmpfs(mount);
  }

  public Path path() {
    return mount;
  }

  @Override
  public void close() throws Exception {
    run("umount", mount.toString());
  }

  private static boolean run(String... command) throws Exception {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
