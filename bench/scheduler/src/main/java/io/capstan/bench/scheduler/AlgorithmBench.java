package io.capstan.bench.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.scheduler.Scheduler;
import io.capstan.scheduler.SchedulerActions;
import io.capstan.scheduler.SchedulerMetrics;
import io.capstan.scheduler.cache.SchedulerCache;
import io.capstan.scheduler.framework.Framework;
import io.capstan.scheduler.framework.PodInfo;
import io.capstan.scheduler.framework.Snapshot;
import io.capstan.scheduler.framework.Status;
import io.capstan.scheduler.plugins.DefaultPlugins;
import io.capstan.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's own cost, without any process around it: the real cache, queue, default
 * profile and scheduling loop in this JVM, with a binding that succeeds at once and confirms the
 * pod in the cache as the informer would. It shows how many pods a second the algorithm itself
 * can place on N nodes, and the CPU per pod, so the stack numbers can be read against it.
 */
final class AlgorithmBench {
    private AlgorithmBench() {
    }

    /** Schedules {@code pods} pods onto {@code nodes} nodes ({@code warmup} first) and reports pods/s and CPU per pod. */
    static ObjectNode run(int nodes, int pods, int warmup) throws InterruptedException {
        SchedulerCache cache = new SchedulerCache(Duration.ofSeconds(30));
        SchedulingQueue queue = new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5),
                (q, e) -> true, SchedulingQueue.Listener.NONE, System::nanoTime);
        Snapshot snapshot = new Snapshot();
        Map<String, Pod> all = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(pods + warmup);
        SchedulerActions actions = new SchedulerActions() {
            @Override
            public Status bind(PodInfo pod, String nodeName) {
                Pod bound = new PodBuilder(pod.pod()).editSpec().withNodeName(nodeName).endSpec().build();
                all.put(pod.key(), bound);
                cache.addPod(new PodInfo(bound));
                done.countDown();
                return Status.SUCCESS;
            }

            @Override
            public Status deletePod(PodInfo victim) {
                return Status.SUCCESS;
            }

            @Override
            public void clearNominatedNodeName(PodInfo pod) {
            }

            @Override
            public void event(PodInfo pod, String type, String reason, String message) {
            }

            @Override
            public void updateCondition(PodInfo pod, String reason, String message, String nominatedNodeName) {
            }
        };
        Framework fw = Framework.builder("default-scheduler", DefaultPlugins.registry()).plugins(DefaultPlugins.DEFAULT_PROFILE)
                .weights(DefaultPlugins.DEFAULT_WEIGHTS).snapshot(() -> snapshot).nominations(queue.nominator()::forNode)
                .actions(actions).build();
        for (int i = 1; i <= nodes; i++) {
            cache.addNode(node("sim-" + i));
        }
        Scheduler scheduler = new Scheduler(cache, queue, Map.of("default-scheduler", new Scheduler.Profile(fw, actions)), snapshot,
                new SchedulerMetrics(new SimpleMeterRegistry(), queue::pending), all::get, 0, 4);
        try {
            add(queue, all, "warm-", warmup);
            scheduler.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (done.getCount() > pods) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("warm-up did not finish");
                }
                Thread.sleep(10);
            }
            long cpuBefore = processCpu();
            long start = System.nanoTime();
            add(queue, all, "pod-", pods);
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("pods not scheduled in 5 minutes");
            }
            long wall = System.nanoTime() - start;
            long cpu = processCpu() - cpuBefore;
            ObjectNode r = SchedulerBench.JSON.createObjectNode();
            r.put("nodes", nodes);
            r.put("pods", pods);
            r.put("podsPerSecond", pods / (wall / 1e9));
            r.put("cpuMicrosPerPod", cpu / 1000.0 / pods);
            return r;
        } finally {
            scheduler.close();
        }
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void add(SchedulingQueue queue, Map<String, Pod> all, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            Pod p = new PodBuilder().withNewMetadata().withName(prefix + i).withNamespace("bench").withUid(prefix + i).endMetadata()
                    .withNewSpec().addNewContainer().withName("pause").withImage("registry.k8s.io/pause:3.10")
                    .withNewResources().withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("500Mi"))).endResources()
                    .endContainer().endSpec().build();
            all.put("bench/" + prefix + i, p);
            queue.add(new PodInfo(p));
        }
    }

    private static Node node(String name) {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"), "pods", new Quantity("110"));
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("kubernetes.io/hostname", name)).endMetadata()
                .withNewSpec().endSpec().withNewStatus().withCapacity(capacity).withAllocatable(capacity).endStatus().build();
    }
}
