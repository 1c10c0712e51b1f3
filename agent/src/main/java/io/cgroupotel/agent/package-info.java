/**
 * The agent's configuration (the [agent] settings, the metric filter), its version and the fault
 * log every part shares; the rooms below build on it.
 */
package io.cgroupotel.agent;
