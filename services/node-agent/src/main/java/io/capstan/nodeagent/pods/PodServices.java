package io.capstan.nodeagent.pods;

import io.capstan.controller.Informer;
import io.capstan.nodeagent.dns.PodDnsConfigurer;
import io.capstan.nodeagent.kube.ApiCalls;
import io.capstan.nodeagent.probes.Prober;
import io.capstan.nodeagent.runtime.ContainerRuntime;
import io.capstan.nodeagent.volumes.VolumeManager;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * What every pod worker of a node shares: the runtime, the API, the event recorder, the timer
 * thread and the virtual-thread executor, the node's addresses and allocatable, the back-offs.
 *
 * @param timer      one platform thread that only schedules (wake-ups, probe ticks)
 * @param executor   virtual threads for syncs, probes, kills and hooks
 * @param allocatable the node's allocatable, for resourceFieldRef without a limit
 * @param dns        forms each pod's resolv.conf
 * @param services   every Service, for the service environment variables
 * @param firstStarts a fair semaphore a pod's first sync holds from its sandbox until its first
 *                   container process started: new pods start in the order they arrived, a few at
 *                   a time, instead of all at once sharing the CPUs until the last one is done
 */
public record PodServices(ContainerRuntime runtime, KubernetesClient client, ApiCalls api, PodEvents events,
                          ScheduledExecutorService timer, ExecutorService executor, Prober prober, VolumeManager volumes,
                          PodIpAllocator ipam, Backoff crashBackoff, Backoff imageBackoff, PodMetrics metrics, Clock clock,
                          String nodeName, String hostIp, Supplier<Map<String, Quantity>> allocatable,
                          Duration resyncInterval, PodDnsConfigurer dns, Informer<Service> services,
                          Semaphore firstStarts) {
}
