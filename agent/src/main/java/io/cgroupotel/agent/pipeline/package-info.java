/**
 * The running pipeline: receivers polled into the entity store, which each exporter view's
 * producer turns into metrics (rows, self-telemetry), with checkpoints and receipts at an entity's
 * end.
 */
package io.cgroupotel.agent.pipeline;
