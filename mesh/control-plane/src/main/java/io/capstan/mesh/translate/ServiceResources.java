package io.capstan.mesh.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

import java.util.List;

/**
 * The configuration side of one Service (everything except its endpoints), as each group sees
 * it. Lists share message objects: a Cluster that is the same for every group is one object.
 *
 * @param clusters     the Clusters for Envoy and Capstan's proxy
 * @param grpcClusters the Clusters for proxyless gRPC (only policies grpc-java accepts)
 * @param httpRoutes   RouteConfigurations of the HTTP ports (node and default groups)
 * @param grpcRoutes   RouteConfigurations of every port (the grpc group routes every port)
 * @param listeners    cluster IP and load-balancer IP listeners (node and default groups)
 * @param apiListeners the grpc group's {@code host:port} api listeners
 * @param nodePorts    the filter chains a node proxy binds at its node's IP
 */
public record ServiceResources(List<Cluster> clusters, List<Cluster> grpcClusters, List<RouteConfiguration> httpRoutes,
                               List<RouteConfiguration> grpcRoutes, List<Listener> listeners, List<Listener> apiListeners,
                               List<NodePort> nodePorts) {
    /** A NodePort of a NodePort or LoadBalancer Service: the same chain as its cluster IP listener. */
    public record NodePort(int port, FilterChain chain, Metadata metadata) {
    }
}
