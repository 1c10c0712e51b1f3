package io.cgroupotel.sampler;

import io.cgroupotel.cgroupfs.ReadStatus;
import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.metrics.NetworkStats;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network side of the sampler: which network namespace each entity's processes are in, and
 * that namespace's counters, read once per poll however many entities share it (the containers
 * of a pod share their pod's).
 *
 * <p>An entity is bound to a namespace through one of its processes: the first pid of {@code
 * cgroup.procs}, in the entity's cgroup or, when that is empty (a pod's cgroup on v2, a job's),
 * in the first cgroup below it that has one; the inode of {@code /proc/<pid>/ns/net} names the
 * namespace. The namespace keeps {@code /proc/<pid>/net/dev} open (one descriptor, whichever
 * process opened it: the kernel ties the open file to the namespace, not to the process) and
 * re-reads it from offset 0. A binding is checked again every {@link #CHECK_EVERY} polls (one
 * readlink: is the process still there, in the same namespace?) and at once when its namespace's
 * read failed or lost an interface; an entity without a process is searched again every {@link
 * #SEARCH_EMPTY_EVERY} polls. A namespace no entity used in a poll is closed at its end: the open
 * descriptor holds the namespace alive, and must not hold a finished pod's.
 *
 * <p>Entities in the host's namespace (that of {@code /proc/1}, else the agent's own) get {@link
 * NetworkStats#HOST}: no series of their own.
 *
 * <p>Used by the polling thread; {@link #close()} may come from another (synchronized).
 */
final class NetworkNamespaces implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NetworkNamespaces.class);
  /** Polls between two checks that a bound process is still in its namespace. */
  static final int CHECK_EVERY = 16;
  /** Polls between two searches for a process in an entity that had none. */
  static final int SEARCH_EMPTY_EVERY = 4;
  /** Cgroups below an entity searched for a process at most, per resolution. */
  private static final int MAX_SEARCHED = 256;
  private static final SourceFile NET_DEV = SourceFile.v2("net/dev", MetricGroup.NETWORK,
      (buf, length, into) -> 0);

  private final Path proc;
  private final InterfaceFilter filter;
  private final long hostInode;
  private final Map<Long, Namespace> byInode = new HashMap<>();
  private final NetDevParser parser = new NetDevParser();
  /** Told the pid found in cgroup.procs before its namespace is read (tests: make it exit). */
  java.util.function.IntConsumer afterProcs = pid -> {};
  private boolean closed;

  /** One namespace: its kept-open {@code net/dev} and the counters of this poll. */
  private static final class Namespace {
    final long inode;
    final OpenFile file;
    long usedPoll;
    long readPoll = -1;
    NetworkStats stats; // of readPoll; null when that read failed
    NetworkStats previous; // the last good read, whose interfaces the next read must have
    String failure;
    /** Bumped when the namespace's read failed: its entities look for their process again. */
    int generation;

    Namespace(long inode, OpenFile file) {
      this.inode = inode;
      this.file = file;
    }
  }

  /** What an entity is bound to (its {@code TrackedEntity.network}). */
  static final class Binding {
    final Path nsLink; // /proc/<pid>/ns/net
    final int pid; // 0: no process found
    final long inode; // 0: the host's namespace
    final int generation;
    long checkedPoll;

    Binding(Path nsLink, int pid, long inode, int generation, long poll) {
      this.nsLink = nsLink;
      this.pid = pid;
      this.inode = inode;
      this.generation = generation;
      this.checkedPoll = poll;
    }
  }

  NetworkNamespaces(Path proc, InterfaceFilter filter) {
    this.proc = proc;
    this.filter = filter;
    long host = inode(proc.resolve("1/ns/net"));
    if (host <= 0) {
      host = inode(proc.resolve("self/ns/net")); // pid 1's is unreadable without root
    }
    this.hostInode = host;
    log.debug("host network namespace: inode {}", host);
  }

  /** The host's namespace inode, or -1 when unknown. */
  long hostInode() {
    return hostInode;
  }

  /** Namespaces kept open now (tests). */
  int open() {
    return byInode.size();
  }

  /**
   * The counters of {@code t}'s namespace at this poll; {@link NetworkStats#HOST} in the host's;
   * null when there is none this time: no process (not an error), or a problem met (added to
   * {@code errors}, the entity's network skipped for this poll).
   */
  synchronized NetworkStats read(TrackedEntity t, long poll, CgroupReader reader,
      List<ScrapeError> errors) {
    if (closed) {
      return null; // the receiver is stopping: open nothing more
    }
    Binding b = t.network;
    if (b != null && b.pid == 0) {
      if (poll - b.checkedPoll < SEARCH_EMPTY_EVERY) {
        return null; // no process at the last search: a walk of its cgroups is not free
      }
      b = null;
    }
    Namespace ns = b == null || b.inode == 0 ? null : byInode.get(b.inode);
    boolean valid = b != null && (b.inode == 0 || (ns != null && ns.generation == b.generation));
    if (valid && poll - b.checkedPoll >= CHECK_EVERY) {
      valid = stillThere(b);
      b.checkedPoll = poll;
    }
    if (!valid) {
      b = bind(t, poll, reader, errors);
      t.network = b;
      if (b == null || b.pid == 0) {
        return null;
      }
      ns = b.inode == 0 ? null : byInode.get(b.inode);
    }
    if (b.inode == 0) {
      return NetworkStats.HOST;
    }
    ns.usedPoll = poll;
    if (ns.readPoll != poll) {
      readNamespace(ns, poll, reader);
    }
    if (ns.stats == null) {
      error(errors, t, b.pid, ns.failure);
      t.network = null; // found again next poll
    }
    return ns.stats;
  }

  /** After a poll: closes the namespaces no entity used in it. */
  synchronized void endPoll(long poll) {
    for (Iterator<Namespace> it = byInode.values().iterator(); it.hasNext(); ) {
      Namespace ns = it.next();
      if (ns.usedPoll != poll) {
        ns.file.close();
        it.remove();
      }
    }
  }

  private void readNamespace(Namespace ns, long poll, CgroupReader reader) {
    ns.readPoll = poll;
    ns.stats = null;
    ReadStatus s = reader.read(ns.file);
    if (s != ReadStatus.OK) {
      ns.failure = "reading net/dev: " + (s == ReadStatus.ERROR ? reader.error() : s.name());
      ns.generation++;
      return;
    }
    NetworkStats now = parser.parse(reader.bytes(), reader.length(), filter);
    if (now == null) {
      ns.failure = "net/dev of unknown format: " + parser.error();
      return;
    }
    NetworkStats before = ns.previous;
    ns.previous = now;
    if (before != null) {
      for (int i = 0; i < before.size(); i++) {
        if (now.indexOf(before.name(i)) < 0) {
          // renamed or removed (a pod's veth goes when its sandbox does): the series would end
          // without a word, and the namespace may be a finished pod's that only we keep alive
          ns.failure = "interface " + before.name(i) + " vanished or was renamed";
          ns.generation++;
          return;
        }
      }
    }
    ns.stats = now;
  }

  /**
   * Whether the bound process is still in the namespace it was found in: its {@code ns/net} names
   * the same inode (one readlink). A process that exited, or changed namespace keeping its pid
   * ({@code ip netns exec}, {@code unshare}), is looked for again; a pid reused by a process of
   * the same namespace leaves the answer right.
   */
  private boolean stillThere(Binding b) {
    return inode(b.nsLink) == (b.inode == 0 ? hostInode : b.inode);
  }

  /**
   * Finds a process of {@code t} and its namespace, opening the namespace's {@code net/dev} when
   * it is new; a binding to pid 0 when there is no process (not an error); null after a problem
   * (in {@code errors}).
   */
  private Binding bind(TrackedEntity t, long poll, CgroupReader reader,
      List<ScrapeError> errors) {
    Path dir = t.files[0].dir; // the tree the receiver reads: on v1, cpuacct's (or its first)
    int pid = firstPid(dir);
    if (pid <= 0) {
      return new Binding(null, 0, 0, 0, poll); // no process (yet, or any more): no namespace
    }
    afterProcs.accept(pid);
    Path nsLink = proc.resolve(pid + "/ns/net");
    long inode = inode(nsLink);
    if (inode <= 0) {
      error(errors, t, pid, "a process left before its network namespace was read");
      return null;
    }
    if (inode == hostInode) {
      return new Binding(nsLink, pid, 0, 0, poll);
    }
    Namespace ns = byInode.get(inode);
    if (ns == null) {
      OpenFile file = new OpenFile(NET_DEV, proc.resolve(Integer.toString(pid)), true);
      ReadStatus s = reader.read(file); // opens it
      // the process may have gone, and its pid been reused, between the readlink and the open
      if (s != ReadStatus.OK || inode(nsLink) != inode) {
        String cause = s == ReadStatus.ERROR ? "opening net/dev: " + reader.error()
            : "a process left before its net/dev was opened";
        file.close();
        error(errors, t, pid, cause);
        return null;
      }
      ns = new Namespace(inode, file);
      byInode.put(inode, ns);
    }
    ns.usedPoll = poll;
    return new Binding(nsLink, pid, inode, ns.generation, poll);
  }

  /**
   * The first pid in {@code dir}'s {@code cgroup.procs}, else in the cgroups below it (depth
   * first); 0 when none has one.
   */
  private static int firstPid(Path dir) {
    List<Path> pending = new ArrayList<>();
    pending.add(dir);
    for (int searched = 0; !pending.isEmpty() && searched < MAX_SEARCHED; searched++) {
      Path d = pending.remove(pending.size() - 1);
      int pid = pidIn(d);
      if (pid > 0) {
        return pid;
      }
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
        for (Path child : s) {
          if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
            children.add(child);
          }
        }
      } catch (IOException e) {
        continue; // removed meanwhile: nothing below it
      }
      children.sort(null);
      for (int i = children.size() - 1; i >= 0; i--) {
        pending.add(children.get(i)); // the first child is taken next
      }
    }
    return 0;
  }

  private static int pidIn(Path dir) {
    byte[] procs;
    try {
      procs = Files.readAllBytes(dir.resolve("cgroup.procs"));
    } catch (IOException e) {
      return 0;
    }
    int value = 0;
    for (byte c : procs) {
      if (c >= '0' && c <= '9') {
        value = value * 10 + (c - '0');
      } else if (value > 0) {
        return value;
      }
    }
    return value;
  }

  /** The inode in {@code net:[4026531840]}, the target of {@code ns/net}; -1 when unreadable. */
  static long inode(Path nsLink) {
    String target;
    try {
      target = Files.readSymbolicLink(nsLink).toString();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return -1;
    }
    int open = target.indexOf('[');
    int close = target.indexOf(']', open + 1);
    if (open < 0 || close < 0) {
      return -1;
    }
    try {
      return Long.parseLong(target.substring(open + 1, close));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The pid goes with the object: the cause stays the same from one entity to the next. */
  private static void error(List<ScrapeError> errors, TrackedEntity t, int pid, String cause) {
    errors.add(new ScrapeError("reading the network namespace", t.entity().kind().prefix() + " "
        + t.displayPath() + " (pid " + pid + ")", cause));
  }

  /** Closes every namespace's file; synchronized with a poll that may still be running. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Namespace ns : byInode.values()) {
      ns.file.close();
    }
    byInode.clear();
  }
}
