package io.cgroupotel.metrics;

/**
 * The per-interface counters of one network namespace at one read of its {@code net/dev}: the
 * interfaces the receiver's {@code network_interfaces} selects, each with bytes, packets, errors
 * and drops received and transmitted. One object per namespace and poll, shared by the entities in
 * that namespace. Immutable.
 *
 * <p>{@link #HOST} stands for an entity whose processes are in the host's namespace: it has no
 * network series of its own (the node's traffic is not the entity's).
 */
public final class NetworkStats {
  /** The counters of an interface, in each direction. */
  public enum Counter {
    /** {@code bytes}. */
    BYTES,
    /** {@code packets}. */
    PACKETS,
    /** {@code errs}. */
    ERRORS,
    /** {@code drop}. */
    DROPPED
  }

  /** Counters kept per interface: the four above, received then transmitted. */
  public static final int PER_INTERFACE = 8;

  /** The entity is in the host's network namespace: no series. */
  public static final NetworkStats HOST = new NetworkStats(new String[0], new long[0], true);

  private final String[] names;
  private final long[] counters;
  private final boolean host;

  /**
   * @param names the interfaces, in {@code net/dev} order
   * @param counters {@link #PER_INTERFACE} per interface: received bytes, packets, errors, drops,
   *     then the same transmitted
   */
  public NetworkStats(String[] names, long[] counters) {
    this(names, counters, false);
  }

  private NetworkStats(String[] names, long[] counters, boolean host) {
    if (counters.length != names.length * PER_INTERFACE) {
      throw new IllegalArgumentException(PER_INTERFACE + " counters per interface");
    }
    this.names = names;
    this.counters = counters;
    this.host = host;
  }

  /**
   * Counters of the given interfaces (tests, synthetic sources): {@link #PER_INTERFACE} values per
   * interface, received bytes, packets, errors, drops, then the same transmitted.
   */
  public static NetworkStats of(java.util.List<String> names, long... counters) {
    return new NetworkStats(names.toArray(String[]::new), counters.clone());
  }

  /** Whether this is {@link #HOST}: the entity shares the node's namespace and has no series. */
  public boolean hostNamespace() {
    return host;
  }

  /** Interfaces, {@code lo} and what {@code network_interfaces} leaves out not counted. */
  public int size() {
    return names.length;
  }

  /** The interface name, as {@code network.interface.name}. */
  public String name(int i) {
    return names[i];
  }

  public long received(int i, Counter counter) {
    return counters[i * PER_INTERFACE + counter.ordinal()];
  }

  public long transmitted(int i, Counter counter) {
    return counters[i * PER_INTERFACE + 4 + counter.ordinal()];
  }

  /** The index of interface {@code name}, or -1. */
  public int indexOf(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    if (host) {
      return "NetworkStats[host namespace]";
    }
    StringBuilder sb = new StringBuilder("NetworkStats[");
    for (int i = 0; i < names.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(names[i]).append(" rx=")
          .append(received(i, Counter.BYTES)).append(" tx=").append(transmitted(i, Counter.BYTES));
    }
    return sb.append(']').toString();
  }
}
