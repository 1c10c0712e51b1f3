/**
 * Harnesses kept outside the product: benchmarks against C readers, the soak run and the encoding
 * bench; they use the agent's public API only.
 */
package io.cgroupotel.tools;
