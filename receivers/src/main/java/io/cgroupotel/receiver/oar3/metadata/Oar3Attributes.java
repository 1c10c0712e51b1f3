package io.cgroupotel.receiver.oar3.metadata;

/** Resource attribute keys of an OAR job (the names and values the receiver exports); declared once here. */
public final class Oar3Attributes {
  public static final String JOB_ID = "oar.job.id";
  public static final String JOB_USER_ID = "oar.job.user.id";
  public static final String JOB_USER = "oar.job.user";
  public static final String JOB_NAME = "oar.job.name";
  public static final String JOB_PROJECT = "oar.job.project";
  public static final String JOB_QUEUE = "oar.job.queue";
  public static final String JOB_WALLTIME = "oar.job.walltime";
  public static final String HOST_NAME = "host.name";

  private Oar3Attributes() {}
}
