package io.cgroupotel.exporter.otlp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Queued requests in segment files ({@code 0000000000000001.seg}, ...) under one directory, so that
 * a kill, an OOM or a reboot loses nothing that was queued. Each record is framed as
 *
 * <pre>
 *   magic "OTLQ" | payload length | items | enqueued (ms) | signal | payload CRC32C | header CRC32C
 *   | payload (the gzipped request)
 * </pre>
 *
 * and written with one write and an fsync before {@link #append} returns. The first record not yet
 * accepted by the collector is remembered in the file {@code head} (segment, offset, CRC), written
 * in place after each removal without an fsync: after a crash a few records may be sent twice,
 * none is lost. Segments wholly behind the head are deleted.
 *
 * <p>Reading back: at open every segment is scanned once; a record whose header or payload does
 * not match its CRC, or that a file cut short ends in, is skipped and reported (its item count
 * when the header is intact), and the scan resumes at the next intact header. New records always
 * go to a new segment after an open, never after a torn tail. Only an index (a few dozen bytes per
 * record) is kept in memory; a payload is read from disk when it is sent.
 */
final class SegmentQueueStore implements QueueStore {
  static final int MAGIC = 0x4F544C51; // "OTLQ"
  static final int HEADER = 4 + 4 + 4 + 8 + 1 + 4 + 4;
  private static final int MAX_PAYLOAD = 256 << 20;
  private static final String SUFFIX = ".seg";

  /** Where one record sits, and what its header says. */
  private record Entry(long segment, long offset, int length, int crc, Signal signal, int items,
      long enqueuedMillis) {
    long end() {
      return offset + HEADER + length;
    }
  }

  private final Path dir;
  private final long segmentBytes;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final FileChannel head;
  private final FileChannel lockFile; // holds the directory's lock while open
  private long bytes;
  private long writeSegment;
  private FileChannel writer;
  private long writerSize;
  private long readSegment = -1;
  private FileChannel reader;

  /**
   * Opens (or creates) the queue in {@code dir}: records left by an earlier run come first.
   * Unreadable records found on the way are reported to {@code corrupt}.
   *
   * @throws IOException when the directory cannot be created, read or written
   */
  SegmentQueueStore(Path dir, long segmentBytes, CorruptSink corrupt) throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    Files.createDirectories(dir);
    // one agent per queue: two writers would interleave their records and heads
    this.lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    java.nio.channels.FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new IOException("another agent (or exporter) uses this queue directory");
    }
    this.head = FileChannel.open(dir.resolve("head"), StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    long[] start = readHead();
    List<Long> segments = segments();
    for (long segment : segments) {
      if (segment < start[0]) {
        Files.deleteIfExists(segmentPath(segment)); // wholly sent before the last run ended
      } else {
        scan(segment, segment == start[0] ? start[1] : 0, corrupt);
      }
    }
    for (long segment : segments) {
      if (segment >= start[0] && entries.stream().noneMatch(e -> e.segment() == segment)) {
        Files.deleteIfExists(segmentPath(segment)); // sent, or nothing readable left in it
      }
    }
    writeSegment = segments.isEmpty() ? Math.max(1, start[0])
        : segments.get(segments.size() - 1) + 1;
    openWriter();
    writeHead();
  }

  /** Segment ids present, in order. */
  private List<Long> segments() throws IOException {
    List<Long> ids = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        try {
          ids.add(Long.parseUnsignedLong(name.substring(0, name.length() - SUFFIX.length()), 16));
        } catch (NumberFormatException e) {
          // not ours: left alone
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  private Path segmentPath(long segment) {
    return dir.resolve(String.format("%016x%s", segment, SUFFIX));
  }

  /** {segment, offset} of the first record not yet accepted; {0, 0} when unknown. */
  private long[] readHead() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(20);
    while (b.hasRemaining() && head.read(b, b.position()) > 0) {
      // read all 20 bytes, or what there is
    }
    if (b.position() < 20) {
      return new long[] {0, 0};
    }
    b.flip();
    long segment = b.getLong();
    long offset = b.getLong();
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 16);
    return (int) crc.getValue() == b.getInt() ? new long[] {segment, offset} : new long[] {0, 0};
  }

  /** Where the first unsent record is, for the next start (one small write, no fsync). */
  private void writeHead() throws IOException {
    Entry first = entries.peekFirst();
    ByteBuffer b = ByteBuffer.allocate(20);
    b.putLong(first == null ? writeSegment : first.segment());
    b.putLong(first == null ? writerSize : first.offset());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 16);
    b.putInt((int) crc.getValue());
    b.flip();
    while (b.hasRemaining()) {
      head.write(b, b.position());
    }
  }

  /** Indexes the records of one segment from {@code from}, skipping unreadable ones. */
  private void scan(long segment, long from, CorruptSink corrupt) throws IOException {
    try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
      long size = ch.size();
      long pos = from > size ? 0 : from;
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      while (pos < size) {
        if (size - pos < HEADER) {
          corrupt.corrupt(0, segmentPath(segment).getFileName() + ": a record cut short at byte "
              + pos);
          return;
        }
        Entry e = readHeader(ch, segment, pos, header);
        if (e == null) {
          long next = resync(ch, pos + 1, size, header);
          corrupt.corrupt(0, segmentPath(segment).getFileName() + ": " + (next - pos)
              + " unreadable bytes at byte " + pos);
          pos = next;
          continue;
        }
        if (e.end() > size) {
          corrupt.corrupt(e.items(), segmentPath(segment).getFileName()
              + ": a record cut short at byte " + pos);
          return;
        }
        if (payloadCrc(ch, e) != e.crc()) {
          corrupt.corrupt(e.items(), segmentPath(segment).getFileName()
              + ": a garbled record at byte " + pos);
        } else {
          entries.addLast(e);
          bytes += HEADER + e.length();
        }
        pos = e.end();
      }
    }
  }

  /** The next offset after {@code from} where an intact header starts, or {@code size}. */
  private static long resync(FileChannel ch, long from, long size, ByteBuffer header)
      throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
    long base = from;
    while (base + HEADER <= size) {
      chunk.clear();
      int n = ch.read(chunk, base);
      if (n < 4) {
        break;
      }
      for (int i = 0; i + 4 <= n; i++) {
        if (chunk.getInt(i) == MAGIC && readHeader(ch, 0, base + i, header) != null) {
          return base + i;
        }
      }
      base += n - 3;
    }
    return size;
  }

  /** The header at {@code pos}, or null when it is not an intact one. */
  private static Entry readHeader(FileChannel ch, long segment, long pos, ByteBuffer b)
      throws IOException {
    b.clear();
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        return null;
      }
    }
    b.flip();
    if (b.getInt(0) != MAGIC) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, HEADER - 4);
    if ((int) crc.getValue() != b.getInt(HEADER - 4)) {
      return null;
    }
    int length = b.getInt(4);
    int items = b.getInt(8);
    long millis = b.getLong(12);
    Signal signal = Signal.ofCode(b.get(20));
    int payloadCrc = b.getInt(21);
    if (length < 0 || length > MAX_PAYLOAD || signal == null) {
      return null;
    }
    return new Entry(segment, pos, length, payloadCrc, signal, items, millis);
  }

  private static int payloadCrc(FileChannel ch, Entry e) throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(64 << 10, Math.max(1, e.length())));
    long pos = e.offset() + HEADER;
    long end = e.end();
    while (pos < end) {
      chunk.clear();
      chunk.limit((int) Math.min(chunk.capacity(), end - pos));
      int n = ch.read(chunk, pos);
      if (n <= 0) {
        return ~e.crc(); // ends early: cannot match
      }
      chunk.flip();
      crc.update(chunk);
      pos += n;
    }
    return (int) crc.getValue();
  }

  private void openWriter() throws IOException {
    writer = FileChannel.open(segmentPath(writeSegment), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    writerSize = writer.size();
  }

  private void roll() throws IOException {
    writer.close();
    writeSegment++;
    openWriter();
  }

  @Override
  public void append(QueueRecord record) throws IOException {
    if (writerSize >= segmentBytes) {
      roll();
    }
    byte[] payload = record.gzipped();
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
    b.putInt(MAGIC).putInt(payload.length).putInt(record.items()).putLong(record.enqueuedMillis())
        .put((byte) record.signal().code()).putInt((int) crc.getValue());
    CRC32C headerCrc = new CRC32C();
    headerCrc.update(b.array(), 0, HEADER - 4);
    b.putInt((int) headerCrc.getValue());
    b.put(payload);
    b.flip();
    long at = writerSize;
    try {
      while (b.hasRemaining()) {
        writer.write(b, at + b.position());
      }
      writer.force(false);
    } catch (IOException e) {
      try {
        writer.truncate(at); // no torn record left behind on a full disk
        if (at > 0) {
          roll(); // so that dropping the oldest records frees their segment
        }
      } catch (IOException ignored) {
        // the scan at the next start skips it
      }
      throw e;
    }
    writerSize = at + HEADER + payload.length;
    entries.addLast(new Entry(writeSegment, at, payload.length, (int) crc.getValue(),
        record.signal(), record.items(), record.enqueuedMillis()));
    bytes += HEADER + payload.length;
  }

  @Override
  public QueueRecord peek(CorruptSink corrupt) {
    while (!entries.isEmpty()) {
      Entry e = entries.peekFirst();
      try {
        byte[] payload = read(e);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        if ((int) crc.getValue() == e.crc()) {
          return new QueueRecord(e.signal(), payload, e.items(), e.enqueuedMillis());
        }
        corrupt.corrupt(e.items(), segmentPath(e.segment()).getFileName()
            + ": a record changed on disk at byte " + e.offset());
      } catch (IOException ex) {
        corrupt.corrupt(e.items(), segmentPath(e.segment()).getFileName()
            + ": cannot read the record at byte " + e.offset() + ": " + ex.getMessage());
      }
      removeHead();
    }
    return null;
  }

  private byte[] read(Entry e) throws IOException {
    if (readSegment != e.segment() || reader == null) {
      closeReader();
      reader = FileChannel.open(segmentPath(e.segment()), StandardOpenOption.READ);
      readSegment = e.segment();
    }
    ByteBuffer b = ByteBuffer.allocate(e.length());
    while (b.hasRemaining()) {
      if (reader.read(b, e.offset() + HEADER + b.position()) < 0) {
        throw new IOException("the file ends before the record does");
      }
    }
    return b.array();
  }

  private void closeReader() {
    if (reader != null) {
      try {
        reader.close();
      } catch (IOException ignored) {
        // read-only
      }
      reader = null;
      readSegment = -1;
    }
  }

  @Override
  public void removeHead() {
    Entry gone = entries.pollFirst();
    if (gone == null) {
      return;
    }
    bytes -= HEADER + gone.length();
    Entry next = entries.peekFirst();
    long keepFrom = next == null ? writeSegment : next.segment();
    try {
      if (next == null && writerSize > 0) {
        writer.truncate(0); // everything sent: the file need not keep it
        writerSize = 0;
      }
      writeHead();
      for (long s = gone.segment(); s < keepFrom; s++) {
        if (s == readSegment) {
          closeReader();
        }
        Files.deleteIfExists(segmentPath(s));
      }
    } catch (NoSuchFileException ignored) {
      // already gone
    } catch (IOException e) {
      // the head could not be written: at the next start some records are sent again
    }
  }

  @Override
  public int count() {
    return entries.size();
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public long oldestMillis() {
    Entry e = entries.peekFirst();
    return e == null ? -1 : e.enqueuedMillis();
  }

  @Override
  public void close() {
    closeReader();
    try {
      writer.close();
      head.close();
      lockFile.close(); // releases the lock
    } catch (IOException ignored) {
      // every record was forced when written
    }
  }

  /** Bytes of every file in {@code dir} (for --check); 0 when it does not exist. */
  static long sizeOnDisk(Path dir) {
    long total = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        total += Files.size(f);
      }
    } catch (IOException e) {
      return total;
    }
    return total;
  }
}
