package io.cgroupotel.agent.energy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A powercap tree in a directory, laid out as {@code /sys/class/powercap} is (every zone a
 * top-level entry; sub-zones also nested in their package), whose {@code energy_uj} the test
 * advances in place, one write to the same file, as sysfs never replaces it.
 */
public final class PowercapTree {
  private final Path root;

  public PowercapTree(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** Adds zone {@code id} (e.g. {@code intel-rapl:0}) named {@code name}. */
  public Path zone(String id, String name, long energyUj, long maxRangeUj) {
    Path dir = root.resolve(id);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("name"), name + "\n");
      Files.writeString(dir.resolve("max_energy_range_uj"), maxRangeUj + "\n");
      Files.writeString(dir.resolve("energy_uj"), energyUj + "\n");
      Files.writeString(dir.resolve("enabled"), "1\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** Writes {@code energyUj} into the zone's energy_uj, in place. */
  public void set(String id, long energyUj) {
    try {
      Files.write(root.resolve(id).resolve("energy_uj"),
          (energyUj + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long get(String id) {
    try {
      return Long.parseLong(Files.readString(root.resolve(id).resolve("energy_uj")).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Advances the zone by {@code uj}, wrapping at {@code maxRangeUj} as RAPL does. */
  public void advance(String id, long uj, long maxRangeUj) {
    set(id, (get(id) + uj) % maxRangeUj);
  }

  /**
   * Makes the zone's energy_uj unreadable: as root (whom file modes do not stop), a symlink to a
   * write-only procfs file that refuses reads even to root; otherwise mode 000.
   */
  public void makeUnreadable(String id) {
    Path file = root.resolve(id).resolve("energy_uj");
    try {
      if ("root".equals(System.getProperty("user.name"))) {
        Files.delete(file);
        Files.createSymbolicLink(file, Path.of("/proc/sys/vm/drop_caches"));
      } else {
        Files.setPosixFilePermissions(file, java.util.Set.of());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
