/**
 * What OAR knows of a job beyond its cgroup's name, for the oar3 receiver: the user's name, OAR's
 * env file and its REST API ({@link io.cgroupotel.receiver.oar3.metadata.JobMetadata}).
 */
package io.cgroupotel.receiver.oar3.metadata;
