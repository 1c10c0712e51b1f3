package io.cgroupotel.agent.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The series state that lets a restarted agent continue what it exported before: per live entity
 * (by receiver and entity id) its start time, its CPU counter (to tell the same cgroup from one
 * recreated under the same name while the agent was down), and for each delta exporter view the
 * counter values and time of its last export, so that the first delta after the restart counts
 * from there: no gap, no double count.
 *
 * <p>One small file, replaced whole (written beside it, then renamed over it) at each export and
 * at shutdown; CRC-checked when read, a bad or missing file means a fresh start. Not kept: the
 * energy books and the delta baselines of I/O and energy rows, which start again at the restart.
 */
final class Checkpoint {
  private static final Logger log = LoggerFactory.getLogger(Checkpoint.class);
  private static final int MAGIC = 0x43475354; // "CGST"
  private static final int VERSION = 1;

  /** A delta view's last export: when, and its counter values by slot (NaN: none). */
  record Baseline(long epochNanos, double[] values) {}

  /** One entity's saved state. {@code deltas} by view index (null entries: not a delta view). */
  record Entry(long firstSeenEpochNanos, long usageUsec, Baseline[] deltas) {}

  private final Path file;
  private volatile boolean failing; // logged once per episode

  Checkpoint(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  static String key(String receiver, String entityId) {
    return receiver + '\0' + entityId;
  }

  /** The saved entries by {@link #key}; empty when there is no file or it is not intact. */
  Map<String, Entry> read() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      log.warn("state: cannot read {} ({}); series start afresh", file, e.getMessage());
      return Map.of();
    }
    try {
      return parse(bytes);
    } catch (IOException | RuntimeException e) {
      log.warn("state: {} is not an intact checkpoint ({}); series start afresh", file,
          e.getMessage());
      return Map.of();
    }
  }

  private static Map<String, Entry> parse(byte[] bytes) throws IOException {
    if (bytes.length < 16) {
      throw new IOException("too short");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    int stored = java.nio.ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if ((int) crc.getValue() != stored) {
      throw new IOException("checksum mismatch");
    }
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 0,
        bytes.length - 4));
    if (in.readInt() != MAGIC || in.readInt() != VERSION) {
      throw new IOException("not a checkpoint of this version");
    }
    int count = in.readInt();
    Map<String, Entry> entries = new HashMap<>(Math.max(16, count * 2));
    for (int i = 0; i < count; i++) {
      String key = in.readUTF();
      long first = in.readLong();
      long usage = in.readLong();
      int views = in.readUnsignedByte();
      Baseline[] deltas = new Baseline[views];
      for (int v = 0; v < views; v++) {
        if (!in.readBoolean()) {
          continue;
        }
        long at = in.readLong();
        double[] values = new double[in.readUnsignedShort()];
        for (int j = 0; j < values.length; j++) {
          values[j] = in.readDouble();
        }
        deltas[v] = new Baseline(at, values);
      }
      entries.put(key, new Entry(first, usage, deltas));
    }
    return entries;
  }

  /** Replaces the file with the live entities of {@code store}. Faults logged once per kind. */
  void write(EntityStore store) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 << 10);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      int[] count = {0};
      ByteArrayOutputStream body = new ByteArrayOutputStream(64 << 10);
      DataOutputStream b = new DataOutputStream(body);
      store.forEachLive((receiver, state) -> {
        String key = key(receiver, state.entity().id());
        if (key.length() > 16_000) {
          return; // beyond writeUTF's bound: that series starts afresh
        }
        try {
          b.writeUTF(key);
          b.writeLong(state.firstSeenEpochNanos());
          b.writeLong(state.reading().sample().usageUsec());
          Baseline[] deltas = state.deltaBaselines();
          b.writeByte(deltas.length);
          for (Baseline d : deltas) {
            b.writeBoolean(d != null);
            if (d != null) {
              b.writeLong(d.epochNanos());
              b.writeShort(d.values().length);
              for (double v : d.values()) {
                b.writeDouble(v);
              }
            }
          }
          count[0]++;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      out.writeInt(count[0]);
      body.writeTo(out);
      out.flush();
      CRC32C crc = new CRC32C();
      byte[] all = bytes.toByteArray();
      crc.update(all);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (var ch = java.nio.channels.FileChannel.open(tmp,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
          java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(all.length + 4);
        buf.put(all).putInt((int) crc.getValue()).flip();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      lastBytes = all.length + 4;
      if (failing) {
        failing = false;
        log.info("state: {} written again", file);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      if (!failing) {
        failing = true;
        log.warn("state: cannot write {}: {} (after a restart, series would start afresh; make "
            + "the directory writable by the agent's user, or free space)", file, e.getMessage());
      }
    }
  }

  private volatile long lastBytes;

  /** Size of the last checkpoint written, for the benchmark. */
  long lastBytes() {
    return lastBytes;
  }
}
