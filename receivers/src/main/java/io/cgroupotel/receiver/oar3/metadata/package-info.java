/**
 * What OAR knows of a job beyond its cgroup's name, for the oar3 receiver: the user's name, OAR's
 * env file and its REST API ({@link io.cgroupotel.receiver.oar3.metadata.JobMetadata}), and, when
 * no hierarchy can be read at start, what the node's OAR layout looks like ({@code Oar2Hints}).
 */
package io.cgroupotel.receiver.oar3.metadata;
