package io.cgroupotel.receiver;

/** The numbers in cgroup and scheduler names: job ids, uids, pids. */
public final class Ids {
  private Ids() {}

  /** Largest uid (32 bits). */
  public static final long MAX_UID = 0xFFFF_FFFFL;

  /**
   * An unsigned decimal without sign or leading zeros (so {@code job_007} is not job 7, and a
   * name is read one way only), at most 18 digits; -1 if it is not one.
   */
  public static long parseId(String s) {
    int len = s.length();
    if (len == 0 || len > 18 || (len > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /** As {@link #parseId}, and at most {@link #MAX_UID}; -1 if not one. */
  public static long parseUid(String s) {
    long value = parseId(s);
    return value > MAX_UID ? -1 : value;
  }
}
