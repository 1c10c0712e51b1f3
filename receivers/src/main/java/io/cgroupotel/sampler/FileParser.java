package io.cgroupotel.sampler;

/**
 * Parses the bytes of one cgroup file into the fields of a sample. Parsers never throw and never
 * guess: a line they cannot read costs that value only and is counted.
 */
@FunctionalInterface
public interface FileParser {
  /**
   * @param buf the file's bytes, {@code [0, length)}
   * @param into where the values go
   * @return the number of lines (or values) that could not be read
   */
  int parse(byte[] buf, int length, SampleBuffer into);
}
