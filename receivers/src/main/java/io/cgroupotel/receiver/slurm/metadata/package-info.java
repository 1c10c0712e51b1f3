/**
 * What Slurm knows of a job beyond its cgroup's name (its id when the directory is a SLUID, its
 * owner, what {@code scontrol} says), gathered off the poll path; {@link
 * io.cgroupotel.receiver.slurm.metadata.SlurmJobMetadata} is what the slurm receiver uses.
 */
package io.cgroupotel.receiver.slurm.metadata;
