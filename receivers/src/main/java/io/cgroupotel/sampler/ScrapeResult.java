package io.cgroupotel.sampler;

import java.util.List;

/**
 * The outcome of one poll: a partial result, never an exception.
 *
 * @param samples one per entity read in this poll
 * @param retained entities that still exist but could not be read this time: the pipeline keeps
 *     their previous sample instead of treating them as gone
 * @param errors problems met (a cgroup that vanished mid-read is not one)
 */
public record ScrapeResult(List<Sample> samples, List<Entity> retained, List<ScrapeError> errors) {
  public static ScrapeResult of(List<Sample> samples, List<ScrapeError> errors) {
    return new ScrapeResult(samples, List.of(), errors);
  }
}
