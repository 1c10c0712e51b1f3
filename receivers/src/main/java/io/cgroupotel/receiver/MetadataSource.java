package io.cgroupotel.receiver;

/**
 * What a receiver learns of its entities beyond their cgroup paths (an API, a file that appears
 * later, a user's name), handed to {@link CgroupTreeReceiver#read(
 * io.cgroupotel.sampler.CgroupSampler.Builder, MetadataSource)}: the kit refreshes it after each
 * read and closes it after the sampler. It never blocks a poll: what is missing is filled in on a
 * later refresh.
 */
public interface MetadataSource extends AutoCloseable {
  /** Fills in what has become known since the last poll; called on the polling thread. */
  void refresh();

  /** Stops its threads and connections; the receiver's sampler is already closed. */
  @Override
  void close();
}
