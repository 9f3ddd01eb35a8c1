package io.capstan.controllers.gc;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import java.util.List;

/**
 * The kinds the garbage collector follows with informers, as owners and as dependents. Owners
 * of other kinds are still honoured (looked up through the API when a dependent is checked),
 * but their deletion is only noticed at the next resync, and their foreground and orphan
 * deletions are not processed. Adding a kind is one line here.
 */
public final class GarbageCollectedKinds {
    public static final List<Class<? extends HasMetadata>> KINDS = List.of(
            Deployment.class,
            ReplicaSet.class,
            Pod.class,
            StatefulSet.class,
            DaemonSet.class,
            ControllerRevision.class,
            Job.class,
            CronJob.class,
            PersistentVolumeClaim.class,
            ConfigMap.class,
            Secret.class,
            Service.class,
            ServiceAccount.class,
            EndpointSlice.class);

    private GarbageCollectedKinds() {
    }
}
