package io.cgroupotel.receiver.slurm.metadata;

/** Resource attribute keys of a Slurm job or step; declared once here. */
public final class SlurmAttributes {
  /** The job id of the {@code job_<id>} directory (an int). */
  public static final String JOB_ID = "slurm.job.id";
  /** The largest {@link #JOB_ID}: Slurm job ids are 32-bit unsigned. */
  public static final long MAX_JOB_ID = 0xFFFF_FFFFL;
  /**
   * The job directory's name when it is not {@code job_<id>}: Slurm 26.05 names it by the job's
   * SLUID (e.g. {@code sEKNKTV3WPV500}) unless cgroup.conf has {@code CgroupJobIdPaths=yes}.
   */
  public static final String SLUID = "slurm.job.sluid";
  /** What follows {@code step_}: {@code 0}, {@code batch}, {@code extern}, ... (a string). */
  public static final String STEP_ID = "slurm.job.step.id";
  /** The UID owning the job's task processes (an int). */
  public static final String USER_ID = "slurm.job.user.id";
  /** Its name, where the node resolves it. */
  public static final String USER = "slurm.job.user";
  public static final String NAME = "slurm.job.name";
  public static final String ACCOUNT = "slurm.job.account";
  public static final String PARTITION = "slurm.job.partition";
  public static final String QOS = "slurm.job.qos";
  /** CPUs allocated to the job (NumCPUs, every node of the job). */
  public static final String CPUS = "slurm.job.cpus";
  /** Memory allocated to the job, bytes (TRES mem, every node of the job). */
  public static final String MEMORY = "slurm.job.memory";
  /** Nodes of the job (NumNodes). */
  public static final String NODES = "slurm.job.nodes";
  /** ArrayJobId, for a task of an array job. */
  public static final String ARRAY_JOB_ID = "slurm.job.array.id";
  /** ArrayTaskId, for a task of an array job. */
  public static final String ARRAY_TASK_ID = "slurm.job.array.task.id";
  public static final String HOST_NAME = "host.name";

  private SlurmAttributes() {}
}
