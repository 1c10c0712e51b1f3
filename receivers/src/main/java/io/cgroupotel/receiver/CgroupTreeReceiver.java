package io.cgroupotel.receiver;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.sampler.CgroupSampler;
import io.cgroupotel.sampler.Classifier;
import io.cgroupotel.sampler.ScrapeResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The common part of every receiver of a cgroup tree: a {@link Classifier} on the shared {@link
 * CgroupSampler}, which finds the cgroups (inotify + rescan), keeps their files open, reads them
 * and reports a vanished one once more with its final counters. A receiver extends it with its
 * classifier (which relative paths are its entities, with which attributes) and, where it has
 * one, its metadata source (given to {@link #metadata}: refreshed after the sampler's read,
 * asked by one-shot runs, closed last).
 *
 * <p>Built in two steps, because a classifier usually is an inner class of the receiver: the
 * subclass's constructor calls {@code super(...)}, then {@link #read} with its sampler builder.
 */
public abstract class CgroupTreeReceiver implements Receiver {
  private final String name;
  private final Duration pollInterval;
  private final HierarchyChoice choice;
  private CgroupSampler sampler;
  private MetadataSource metadata; // null: none

  /**
   * @param name the receiver's config section, e.g. {@code oar3}: the {@code receiver} attribute
   *     of its own metrics
   */
  protected CgroupTreeReceiver(String name, Duration pollInterval, HierarchyChoice choice) {
    this.name = Objects.requireNonNull(name, "name");
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    this.choice = Objects.requireNonNull(choice, "choice");
  }

  /**
   * A sampler builder for {@code classifier} on the chosen hierarchy, with {@code settings}' metric
   * groups and network interfaces and {@code context}'s poll-now: add to it, then {@link #read} it.
   */
  protected final CgroupSampler.Builder sampler(Classifier classifier,
      CgroupReceiverSettings settings, Runnable pollNow) {
    return CgroupSampler.builder(name, choice.hierarchy(), classifier)
        .groups(settings.metrics())
        .networkInterfaces(settings.networkInterfaces())
        .pollNow(pollNow);
  }

  /** Completes construction: the receiver reads with {@code builder}'s sampler. */
  protected final void read(CgroupSampler.Builder builder) {
    if (sampler != null) {
      throw new IllegalStateException("read twice");
    }
    sampler = builder.build();
  }

  /**
   * The receiver's metadata source (call once, in the constructor): refreshed after each {@link
   * #poll()}, asked by {@link #awaitReady} and {@link #notReadyReason}, closed after the sampler.
   */
  protected final void metadata(MetadataSource source) {
    if (metadata != null) {
      throw new IllegalStateException("metadata source set twice");
    }
    metadata = Objects.requireNonNull(source, "source");
  }

  /** The shared sampler (for the subclass's classifier and its tests). */
  protected final CgroupSampler sampler() {
    return sampler;
  }

  /** The hierarchy read and why it was chosen. */
  protected final HierarchyChoice choice() {
    return choice;
  }

  /** The absolute path of a cgroup the sampler names by its path relative to the tree read. */
  protected final Path absolute(Path relative) {
    return choice.hierarchy().root().resolve(relative);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Duration pollInterval() {
    return pollInterval;
  }

  @Override
  public final Set<MetricGroup> metricGroups() {
    return sampler.groups();
  }

  @Override
  public final String hierarchyChoice() {
    return choice.why();
  }

  /** Starts the sampler's discovery: the initial walk and the watches. */
  @Override
  public void start() {
    sampler.start();
  }

  /** Reads every entity once, then refreshes the metadata source, if any. */
  @Override
  public ScrapeResult poll() {
    ScrapeResult result = sampler.poll();
    if (metadata != null) {
      metadata.refresh();
    }
    return result;
  }

  /** The metadata source's answer; ready at once without one. */
  @Override
  public boolean awaitReady(Duration timeout) {
    return metadata == null || metadata.awaitReady(timeout);
  }

  @Override
  public String notReadyReason() {
    return metadata == null ? null : metadata.notReadyReason();
  }

  /** The path of a cgroup relative to the tree read, from its absolute path. */
  protected final Path relative(Path absolute) {
    return choice.hierarchy().root().relativize(absolute);
  }

  /** Entities tracked now. */
  protected final int size() {
    return sampler.size();
  }

  /** Stops the sampler, then closes the metadata source, if any. */
  @Override
  public void close() {
    try {
      sampler.close();
    } finally {
      if (metadata != null) {
        metadata.close();
      }
    }
  }
}
