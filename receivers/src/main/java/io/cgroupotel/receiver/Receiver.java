package io.cgroupotel.receiver;

import io.cgroupotel.metrics.MetricGroup;
import io.cgroupotel.sampler.ScrapeResult;
import java.time.Duration;
import java.util.Set;

/**
 * Reads one source of entities (a cgroup tree, the pods of a node, the OAR jobs of a node).
 *
 * <p>A receiver never sleeps, retries or batches: the agent's scheduler calls {@link #poll()} at
 * {@link #pollInterval()}, never concurrently (the last poll at shutdown may come from another
 * thread, after the scheduler stopped). Background discovery (inotify, API informers) may run on
 * threads of the receiver's own.
 */
public interface Receiver extends AutoCloseable {

  /** The name of its config section, e.g. {@code cgroup}, {@code k8s}, {@code oar3}. */
  String name();

  Duration pollInterval();

  /** The metric groups it reads (its {@code metrics} key); empty for one that reads no cgroup. */
  default Set<MetricGroup> metricGroups() {
    return Set.of();
  }

  /** Starts discovery (initial walk, watches, informers). Called once, before the first poll. */
  void start();

  /**
   * Waits at most {@code timeout} for what enriches the first poll (e.g. the first API sync),
   * for one-shot runs. Returns whether it is ready.
   */
  default boolean awaitReady(Duration timeout) {
    return true;
  }

  /**
   * Why {@link #awaitReady} returned false, as {@code --check} prints it (what failed and its
   * error, log-safe), or null when the receiver cannot tell.
   */
  default String notReadyReason() {
    return null;
  }

  /**
   * Which cgroup hierarchy it reads and why (for {@code --check} and the start log), or null for
   * receivers that read no cgroup tree.
   */
  default String hierarchyChoice() {
    return null;
  }

  /**
   * The cgroup directory that holds every entity of this receiver (the kubepods cgroup, the OAR
   * slice, the raw receiver's path), or null when there is none (yet). The energy books read its
   * {@code cpu.stat} after each poll: its CPU time minus the entities' is what no live entity
   * explains.
   */
  default java.nio.file.Path scope() {
    return null;
  }

  /** Reads every entity once. Never throws: problems go into the result. */
  ScrapeResult poll();

  /** Stops discovery and releases watches, threads and connections. */
  @Override
  void close();
}
