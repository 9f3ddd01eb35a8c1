package io.capstan.controllers;

import io.capstan.controller.ApiClients;
import io.capstan.controller.Controller;
import io.capstan.controller.EventRecorder;
import io.capstan.controller.Informer;
import io.capstan.controller.SharedInformers;
import io.capstan.controllers.common.ApiDiscovery;
import io.capstan.controllers.common.ApiRequests;
import io.capstan.controllers.common.ClaimCandidates;
import io.capstan.controllers.common.InternedStrings;
import io.capstan.controllers.cronjob.CronJobReconciler;
import io.capstan.controllers.daemonset.DaemonSetReconciler;
import io.capstan.controllers.deployment.DeploymentReconciler;
import io.capstan.controllers.endpoints.EndpointsReconciler;
import io.capstan.controllers.gc.GarbageCollectedKinds;
import io.capstan.controllers.gc.GarbageCollector;
import io.capstan.controllers.job.JobReconciler;
import io.capstan.controllers.namespace.NamespaceReconciler;
import io.capstan.controllers.nodelifecycle.NodeLifecycleReconciler;
import io.capstan.controllers.volumes.VolumeBindingReconciler;
import io.capstan.workloads.nodelifecycle.NodeLifecycleModel;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.capstan.controllers.replicaset.ReplicaSetReconciler;
import io.capstan.controllers.serviceaccount.ServiceAccountReconciler;
import io.capstan.controllers.servicelb.AddressPool;
import io.capstan.controllers.servicelb.LoadBalancerIpAllocator;
import io.capstan.controllers.servicelb.ServiceLoadBalancerReconciler;
import io.capstan.controllers.statefulset.StatefulSetReconciler;
import io.capstan.store.LeaderElector;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
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
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The controller-manager: campaigns for leadership in etcd and, while leading, runs the
 * ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob, Endpoints/EndpointSlice, service load balancer, namespace, ServiceAccount, PersistentVolume binder and node lifecycle controllers and the garbage collector over
 * shared informers. Each term builds its informers, reconcilers and controllers afresh, so a new
 * leader never trusts caches or expectations from before it lost leadership.
 */
@ApplicationScoped
public class ControllerManager {
    public static final String ELECTION = "/capstan/elections/controller-manager";
    private static final Logger LOG = Logger.getLogger(ControllerManager.class);

    @Inject
    ControllerManagerConfig config;

    @Inject
    MeterRegistry registry;

    private KubernetesClient client;
    private AddressPool loadBalancerPool;
    private Client etcd;
    private LeaderElector elector;
    // Only the elector's thread starts and stops terms.
    private Term term;

    /** One leadership term's informers, controllers, garbage collector and event recorders. */
    private record Term(SharedInformers informers, List<Controller> controllers, GarbageCollector gc, List<EventRecorder> recorders) {
        void close() {
            controllers.forEach(Controller::close);
            gc.close();
            informers.close();
            recorders.forEach(EventRecorder::close);
        }
    }

    void onStart(@Observes StartupEvent event) {
        // a bad pool fails the start, not every term
        loadBalancerPool = AddressPool.parse(config.loadBalancerPool());
        // cached objects share their repeated short strings
        client = ApiClients.create(config.apiServerUrl(), new ObjectMapper().registerModule(InternedStrings.module()),
                new JdkHttpClientFactory());
        etcd = Client.builder().endpoints(config.etcdEndpoints().split(",")).build();
        elector = new LeaderElector(etcd, ELECTION, config.identity().orElseGet(ControllerManager::defaultIdentity), config.leaseTtl());
        LOG.infof("controller-manager %s: api-server %s, kafka %s; campaigning for leadership", elector.identity(),
                config.apiServerUrl(), config.kafkaBootstrapServers());
        elector.runWhenLeader(this::lead, this::stopLeading);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (elector != null) {
            elector.close();
        }
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    public boolean leading() {
        return elector != null && elector.isLeader();
    }

    private void lead() {
        LOG.infof("controller-manager %s: leading; starting controllers", elector.identity());
        // No controller reads managedFields; without them a cached pod takes about half the memory.
        SharedInformers informers = new SharedInformers(client, Map.of("bootstrap.servers", config.kafkaBootstrapServers()),
                Informer.Options.defaults().withResyncPeriod(config.resyncPeriod())).dropManagedFields();
        Informer<ReplicaSet> rsInformer = informers.informerFor(ReplicaSet.class);
        Informer<Deployment> deploymentInformer = informers.informerFor(Deployment.class);
        Informer<Pod> podInformer = informers.informerFor(Pod.class);
        ClaimCandidates.index(rsInformer);
        ClaimCandidates.index(podInformer);
        List<EventRecorder> recorders = new ArrayList<>();
        List<Controller> controllers = new ArrayList<>();

        EventRecorder rsEvents = new EventRecorder(client, "replicaset-controller");
        recorders.add(rsEvents);
        ReplicaSetReconciler rs = new ReplicaSetReconciler(client, rsInformer, podInformer, rsEvents);
        controllers.add(Controller.builder("replicaset", rsInformer, rs)
                .owns(podInformer)
                .watches(podInformer, rs::replicaSetsMatchingOrphan)
                .workers(config.workers()).meterRegistry(registry).build());

        EventRecorder deploymentEvents = new EventRecorder(client, "deployment-controller");
        recorders.add(deploymentEvents);
        DeploymentReconciler deployments = new DeploymentReconciler(client, deploymentInformer, rsInformer, podInformer, deploymentEvents);
        controllers.add(Controller.builder("deployment", deploymentInformer, deployments)
                .watches(rsInformer, deployments::deploymentsFor)
                .watches(podInformer, deployments::deploymentOfPod)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<StatefulSet> stsInformer = informers.informerFor(StatefulSet.class);
        Informer<PersistentVolumeClaim> claimInformer = informers.informerFor(PersistentVolumeClaim.class);
        Informer<ControllerRevision> revisionInformer = informers.informerFor(ControllerRevision.class);
        ClaimCandidates.index(revisionInformer);
        EventRecorder stsEvents = new EventRecorder(client, "statefulset-controller");
        recorders.add(stsEvents);
        StatefulSetReconciler statefulSets = new StatefulSetReconciler(client, stsInformer, podInformer, claimInformer, revisionInformer, stsEvents);
        controllers.add(Controller.builder("statefulset", stsInformer, statefulSets)
                .owns(podInformer)
                .watches(podInformer, statefulSets::statefulSetsMatchingOrphan)
                .owns(revisionInformer)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<DaemonSet> dsInformer = informers.informerFor(DaemonSet.class);
        Informer<Node> nodeInformer = informers.informerFor(Node.class);
        EventRecorder dsEvents = new EventRecorder(client, "daemonset-controller");
        recorders.add(dsEvents);
        DaemonSetReconciler daemonSets = new DaemonSetReconciler(client, dsInformer, nodeInformer, podInformer, revisionInformer, dsEvents);
        controllers.add(Controller.builder("daemonset", dsInformer, daemonSets)
                .owns(podInformer)
                .watches(podInformer, daemonSets::daemonSetsMatchingOrphan)
                .owns(revisionInformer)
                .watches(revisionInformer, daemonSets::daemonSetsMatchingOrphan)
                .watches(nodeInformer, daemonSets::allDaemonSets)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<Job> jobInformer = informers.informerFor(Job.class);
        EventRecorder jobEvents = new EventRecorder(client, "job-controller");
        recorders.add(jobEvents);
        JobReconciler jobs = new JobReconciler(client, jobInformer, podInformer, jobEvents);
        controllers.add(Controller.builder("job", jobInformer, jobs)
                .owns(podInformer)
                .watches(podInformer, jobs::jobsMatchingOrphan)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<CronJob> cronJobInformer = informers.informerFor(CronJob.class);
        EventRecorder cronJobEvents = new EventRecorder(client, "cronjob-controller");
        recorders.add(cronJobEvents);
        CronJobReconciler cronJobs = new CronJobReconciler(client, cronJobInformer, jobInformer, cronJobEvents);
        controllers.add(Controller.builder("cronjob", cronJobInformer, cronJobs)
                .owns(jobInformer)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<Service> serviceInformer = informers.informerFor(Service.class);
        Informer<Endpoints> endpointsInformer = informers.informerFor(Endpoints.class);
        Informer<EndpointSlice> sliceInformer = informers.informerFor(EndpointSlice.class);
        EventRecorder endpointEvents = new EventRecorder(client, "endpoint-controller");
        EventRecorder sliceEvents = new EventRecorder(client, "endpointslice-controller");
        recorders.add(endpointEvents);
        recorders.add(sliceEvents);
        EndpointsReconciler endpoints = new EndpointsReconciler(client, serviceInformer, podInformer, endpointsInformer, sliceInformer,
                endpointEvents, sliceEvents);
        controllers.add(Controller.builder("endpoints", serviceInformer, endpoints)
                .watches(podInformer, endpoints::servicesSelecting)
                .watches(endpointsInformer, endpoints::serviceOfEndpoints)
                .watches(sliceInformer, endpoints::serviceOfSlice)
                .workers(config.workers()).meterRegistry(registry).build());

        EventRecorder serviceEvents = new EventRecorder(client, ServiceLoadBalancerReconciler.COMPONENT);
        recorders.add(serviceEvents);
        // A new allocator each term: it restores the addresses from the Services' status.
        ServiceLoadBalancerReconciler loadBalancers = new ServiceLoadBalancerReconciler(client, serviceInformer,
                new LoadBalancerIpAllocator(loadBalancerPool), serviceEvents);
        controllers.add(Controller.builder("service-lb", serviceInformer, loadBalancers)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<Namespace> namespaceInformer = informers.informerFor(Namespace.class);
        NamespaceReconciler namespaces = new NamespaceReconciler(namespaceInformer.store(), new ApiDiscovery(client), new ApiRequests(client));
        controllers.add(Controller.builder("namespace", namespaceInformer, namespaces)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<ServiceAccount> serviceAccountInformer = informers.informerFor(ServiceAccount.class);
        ServiceAccountReconciler serviceAccounts = new ServiceAccountReconciler(client, namespaceInformer.store(), serviceAccountInformer.store());
        controllers.add(Controller.builder("serviceaccount", namespaceInformer, serviceAccounts)
                .watches(serviceAccountInformer, serviceAccounts::namespaceOf)
                .workers(config.workers()).meterRegistry(registry).build());

        Informer<PersistentVolume> volumeInformer = informers.informerFor(PersistentVolume.class);
        Informer<StorageClass> classInformer = informers.informerFor(StorageClass.class);
        EventRecorder volumeEvents = new EventRecorder(client, "persistentvolume-controller");
        recorders.add(volumeEvents);
        VolumeBindingReconciler volumes = new VolumeBindingReconciler(client, claimInformer.store(), volumeInformer.store(),
                classInformer.store(), Path.of(config.dataDir()), volumeEvents);
        volumes.ensureDefaultClass();
        controllers.add(Controller.builder("persistentvolume-binder", classInformer, volumes)
                .watches(claimInformer, volumes::all)
                .watches(volumeInformer, volumes::all)
                .workers(1).meterRegistry(registry).build());

        Informer<Lease> leaseInformer = informers.informerFor(Lease.class);
        EventRecorder nodeEvents = new EventRecorder(client, "node-controller");
        EventRecorder evictionEvents = new EventRecorder(client, "taint-eviction-controller");
        recorders.add(nodeEvents);
        recorders.add(evictionEvents);
        NodeLifecycleReconciler nodeLifecycle = new NodeLifecycleReconciler(client, nodeInformer.store(), leaseInformer.store(),
                podInformer.store(), new NodeLifecycleModel.Settings(config.nodeMonitorGracePeriod(), config.nodeStartupGracePeriod(),
                config.defaultTolerationSeconds()), nodeEvents, evictionEvents);
        controllers.add(Controller.builder("node-lifecycle", nodeInformer, nodeLifecycle)
                .watches(leaseInformer, nodeLifecycle::nodeOfLease)
                .watches(podInformer, nodeLifecycle::nodeOfPod)
                .workers(config.workers()).meterRegistry(registry).build());

        GarbageCollector gc = new GarbageCollector(client, informers, GarbageCollectedKinds.KINDS, config.workers(), registry);

        term = new Term(informers, controllers, gc, recorders);
        informers.start();
        controllers.forEach(Controller::start);
        gc.start();
    }

    private void stopLeading() {
        LOG.infof("controller-manager %s: no longer leading; stopping controllers", elector.identity());
        if (term != null) {
            term.close();
            term = null;
        }
    }

    private static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "_" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
