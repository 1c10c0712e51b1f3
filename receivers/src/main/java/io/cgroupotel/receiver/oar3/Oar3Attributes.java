package io.cgroupotel.receiver.oar3;

/** Resource attribute keys of an OAR job (DESIGN.md section 5); declared once here. */
final class Oar3Attributes {
  static final String JOB_ID = "oar.job.id";
  static final String JOB_USER_ID = "oar.job.user.id";
  static final String JOB_USER = "oar.job.user";
  static final String JOB_NAME = "oar.job.name";
  static final String JOB_PROJECT = "oar.job.project";
  static final String JOB_QUEUE = "oar.job.queue";
  static final String JOB_WALLTIME = "oar.job.walltime";
  static final String HOST_NAME = "host.name";

  private Oar3Attributes() {}
}
