package io.cgroupotel.receiver.oar3.metadata;

/**
 * A job as its cgroup's name gives it: OAR 3's job slice names the user's UID ({@code user} null),
 * OAR 2's directory the user's login ({@code uid} -1).
 */
public record OarJob(long jobId, long uid, String user) {
  public OarJob {
    if (jobId < 0) {
      throw new IllegalArgumentException("jobId must not be negative: " + jobId);
    }
  }
}
