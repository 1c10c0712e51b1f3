package io.cgroupotel.receiver.k8s;

/** Resource attribute keys this receiver sets (OTel semantic conventions). */
final class K8sAttributes {
  private K8sAttributes() {}

  static final String POD_UID = "k8s.pod.uid";
  static final String POD_NAME = "k8s.pod.name";
  static final String NAMESPACE_NAME = "k8s.namespace.name";
  static final String NODE_NAME = "k8s.node.name";
  static final String POD_LABEL_PREFIX = "k8s.pod.label.";
  static final String REPLICASET_NAME = "k8s.replicaset.name";
  static final String DEPLOYMENT_NAME = "k8s.deployment.name";
  static final String STATEFULSET_NAME = "k8s.statefulset.name";
  static final String DAEMONSET_NAME = "k8s.daemonset.name";
  static final String JOB_NAME = "k8s.job.name";
  static final String CRONJOB_NAME = "k8s.cronjob.name";
  static final String CONTAINER_ID = "container.id";
  static final String CONTAINER_RUNTIME = "container.runtime";
  static final String CONTAINER_NAME = "k8s.container.name";
}
