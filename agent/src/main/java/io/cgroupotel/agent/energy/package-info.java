/**
 * Node energy (RAPL powercap or a CPU model), its attribution to entities by CPU time, and the
 * books an export reports: per entity and unattributed per receiver.
 */
package io.cgroupotel.agent.energy;
